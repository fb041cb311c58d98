using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// roll(x; shifts) with one non-negative shift per dim (shifts[d] &lt; size[d]): out[(i + s) mod n] = x[i].
/// Along each rolled dim the tensor splits into two blocks that swap places, so the result is at most
/// 2^k strided block copies for k rolled dims.
/// </summary>
internal static class RollKernel
{
    public static void Run(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var x = inputs[0];
        var output = outputs[0];
        var shifts = attributes.Ints("shifts");
        if (output.Numel == 0) return;
        var rolled = new List<int>();
        for (int d = 0; d < shifts.Length; d++) if (shifts[d] != 0) rolled.Add(d);
        var backend = output.Storage.Backend;
        var outStrides = output.StridesInternal;
        for (int mask = 0; mask < 1 << rolled.Count; mask++)
        {
            var shape = x.Shape.ToArray();
            int srcOffset = x.Offset, dstOffset = output.Offset;
            bool empty = false;
            for (int j = 0; j < rolled.Count; j++)
            {
                int d = rolled[j], n = shape[d], s = shifts[d];
                // Block 0: x[0, n - s) -> out[s, n); block 1: x[n - s, n) -> out[0, s).
                if ((mask >> j & 1) == 0) { shape[d] = n - s; dstOffset += s * outStrides[d]; }
                else { shape[d] = s; srcOffset += (n - s) * x.StridesInternal[d]; }
                empty |= shape[d] == 0;
            }
            if (empty) continue;
            backend.Copy(x.ViewOf(shape, x.StridesInternal, srcOffset), output.ViewOf(shape, outStrides, dstOffset));
        }
    }
}
