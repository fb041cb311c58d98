using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// tril / triu over the last two dims (attribute <c>diagonal</c>): a dense copy whose masked part of
/// each row is cleared in one <see cref="Array.Clear(Array, int, int)"/> call (dtype-independent).
/// </summary>
internal static class TriangularKernel
{
    /// <summary>Keeps elements on and below diagonal k (j ≤ i + k).</summary>
    public static void Lower(Tensor[] inputs, Attributes attributes, Tensor[] outputs) => Run(inputs[0], outputs[0], attributes.Int("diagonal"), lower: true);

    /// <summary>Keeps elements on and above diagonal k (j ≥ i + k).</summary>
    public static void Upper(Tensor[] inputs, Attributes attributes, Tensor[] outputs) => Run(inputs[0], outputs[0], attributes.Int("diagonal"), lower: false);

    private static void Run(Tensor x, Tensor output, int diagonal, bool lower)
    {
        if (output.Numel == 0) return;
        output.Storage.Backend.Copy(x, output);
        int rows = x.Shape[-2], cols = x.Shape[-1];
        int matrices = output.Numel / (rows * cols);
        var data = ((CpuStorage)output.Storage).Data;
        for (int b = 0; b < matrices; b++)
            for (int i = 0; i < rows; i++)
            {
                int rowStart = output.Offset + (b * rows + i) * cols;
                // Columns cleared: (i + k, cols) for tril, [0, i + k) for triu; long avoids overflow for extreme k.
                long from = lower ? Math.Max(0L, (long)i + diagonal + 1) : 0;
                long to = lower ? cols : Math.Min(cols, Math.Max(0L, (long)i + diagonal));
                if (to > from) Array.Clear(data, rowStart + (int)from, (int)(to - from));
            }
    }
}
