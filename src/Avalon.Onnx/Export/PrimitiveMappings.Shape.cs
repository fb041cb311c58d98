namespace Avalon.Onnx.Export;

internal static partial class PrimitiveMappings
{
    private static void AddShape(Dictionary<string, Action<ExportCall>> t)
    {
        // The recorded output shape is exact, so reshape and expand write it (with the batch computed where it appears).
        t["reshape"] = c => c.Emit("Reshape", [c.In(0), c.OutShapeValue()], ("allowzero", 1L));
        t["expand"] = c => c.Emit("Expand", [c.In(0), c.OutShapeValue()]);
        t["permute"] = c =>
        {
            int rank = c.InSpec(0).Shape.Rank;
            c.Emit("Transpose", [c.In(0)], ("perm", c.Longs("dims").Select(d => ExportCall.Axis(d, rank)).ToArray()));
        };
        t["slice"] = c => c.Emit("Slice", [c.In(0), c.LongValue("start"), c.LongValue("end"), c.Writer.Longs(c.Long("dim")), c.Writer.Longs(c.Long("step"))]);
        t["split"] = c =>
        {
            int rank = c.InSpec(0).Shape.Rank;
            c.Writer.Node("Split", [c.In(0), c.LongsValue("sizes")], c.Outputs, ("axis", ExportCall.Axis(c.Long("dim"), rank)));
        };
        t["unbind"] = c =>
        {
            int rank = c.InSpec(0).Shape.Rank;
            long axis = ExportCall.Axis(c.Long("dim"), rank);
            int n = c.Outputs.Length;
            var parts = Enumerable.Range(0, n).Select(_ => c.Writer.Fresh("unbind")).ToArray();
            c.Writer.Node("Split", [c.In(0), c.Writer.Longs(Enumerable.Repeat(1L, n).ToArray())], parts, ("axis", axis));
            for (int k = 0; k < n; k++) c.Writer.Node("Squeeze", [parts[k], c.Writer.Longs(axis)], [c.Out(k)]);
        };
        t["cat"] = c =>
        {
            var d = c.OutSpec().DType;
            var inputs = Enumerable.Range(0, c.InputCount).Select(k => c.InAs(k, d)).ToArray();
            c.Emit("Concat", inputs, ("axis", ExportCall.Axis(c.Long("dim"), c.OutSpec().Shape.Rank)));
        };
        t["flip"] = c =>
        {
            var dims = c.Longs("dims");
            var w = c.Writer;
            c.Emit("Slice", [c.In(0), w.Longs(dims.Select(_ => -1L).ToArray()), w.Longs(dims.Select(_ => long.MinValue).ToArray()),
                w.Longs(dims), w.Longs(dims.Select(_ => -1L).ToArray())]);
        };
        t["roll"] = c =>
        {
            var shifts = c.Longs("shifts");
            var shape = c.InSpec(0).Shape;
            var w = c.Writer;
            string x = c.In(0);
            for (int d = 0; d < shifts.Length; d++)
            {
                long n = shape[d];
                if (n == 0) continue;
                long s = ((shifts[d] % n) + n) % n;
                if (s == 0) continue;
                string tail = w.Op("Slice", x, w.Longs(n - s), w.Longs(n), w.Longs(d));
                string head = w.Op("Slice", x, w.Longs(0), w.Longs(n - s), w.Longs(d));
                x = w.Node("Concat", [tail, head], null, ("axis", (long)d));
            }
            c.EmitIdentity(x);
        };
        t["tril"] = c => c.Emit("Trilu", [c.In(0), c.Writer.Scalar(c.Long("diagonal"), DType.Int64)], ("upper", 0L));
        t["triu"] = c => c.Emit("Trilu", [c.In(0), c.Writer.Scalar(c.Long("diagonal"), DType.Int64)], ("upper", 1L));
        t["constant_pad_nd"] = c =>
            c.Emit("Pad", [c.In(0), OnnxPads(c), c.Writer.Scalar(c.Double("value"), c.OutSpec().DType)], ("mode", "constant"));
        t["reflection_pad"] = c => c.Emit("Pad", [c.In(0), OnnxPads(c)], ("mode", "reflect"));
        t["replication_pad"] = c => c.Emit("Pad", [c.In(0), OnnxPads(c)], ("mode", "edge"));
        t["circular_pad"] = CircularPad;
    }

    /// <summary>PyTorch's pads (last dim first, before then after) as ONNX's (every dim's begin, then every dim's end).</summary>
    private static string OnnxPads(ExportCall c)
    {
        var pads = c.Longs("pads");
        int rank = c.InSpec(0).Shape.Rank;
        var onnx = new long[2 * rank];
        for (int i = 0; i < pads.Length / 2; i++)
        {
            int dim = rank - 1 - i;
            onnx[dim] = pads[2 * i];
            onnx[rank + dim] = pads[2 * i + 1];
        }
        return c.Writer.Longs(onnx);
    }

    /// <summary>Circular padding (ONNX's wrap mode is opset 19): per dim, the input's tail, the input and its head, concatenated.</summary>
    private static void CircularPad(ExportCall c)
    {
        var pads = c.Longs("pads");
        var shape = c.InSpec(0).Shape.ToArray();
        int rank = shape.Length;
        var w = c.Writer;
        string x = c.In(0);
        for (int i = 0; i < pads.Length / 2; i++)
        {
            int dim = rank - 1 - i;
            long before = pads[2 * i], after = pads[2 * i + 1], n = shape[dim];
            if (before < 0 || after < 0) throw c.Unsupported("negative circular pads are not exported.");
            var parts = new List<string>();
            if (before > 0) parts.Add(w.Op("Slice", x, w.Longs(n - before), w.Longs(n), w.Longs(dim)));
            parts.Add(x);
            if (after > 0) parts.Add(w.Op("Slice", x, w.Longs(0), w.Longs(after), w.Longs(dim)));
            if (parts.Count > 1) x = w.Node("Concat", parts, null, ("axis", (long)dim));
            shape[dim] = (int)(n + before + after);
        }
        c.EmitIdentity(x);
    }
}
