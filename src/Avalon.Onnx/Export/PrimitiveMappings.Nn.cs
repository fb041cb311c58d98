namespace Avalon.Onnx.Export;

internal static partial class PrimitiveMappings
{
    private static void AddNn(Dictionary<string, Action<ExportCall>> t)
    {
        t["matmul"] = c => { var d = c.OutSpec().DType; c.Emit("MatMul", [c.InAs(0, d), c.InAs(1, d)]); };
        t["conv"] = c => c.Emit("Conv", ConvInputs(c), ConvAttributes(c, transposed: false));
        t["conv_transpose"] = c => c.Emit("ConvTranspose", ConvInputs(c), ConvAttributes(c, transposed: true));
        t["max_pool"] = MaxPool;
        t["max_pool_with_indices"] = MaxPool;
        t["avg_pool"] = AvgPool;
        t["adaptive_avg_pool"] = c => AdaptivePool(c, "ReduceMean");
        t["adaptive_max_pool_with_indices"] = c =>
        {
            if (c.IsUsed(1)) throw c.Unsupported("the positions of an adaptive max pool are not exported (only its values).");
            AdaptivePool(c, "ReduceMax");
        };
        t["upsample_nearest"] = c => Resize(c, "nearest");
        t["upsample_linear"] = c => Resize(c, "linear");
    }

    private static string[] ConvInputs(ExportCall c) =>
        c.InputCount == 3 ? [c.In(0), c.In(1), c.In(2)] : [c.In(0), c.In(1)];

    private static (string, object)[] ConvAttributes(ExportCall c, bool transposed)
    {
        var weight = c.InSpec(1).Shape.ToArray();
        var kernel = weight.Skip(2).Select(k => (long)k).ToArray();
        var padding = c.Longs("padding");
        var list = new List<(string, object)>
        {
            ("kernel_shape", kernel),
            ("strides", c.Longs("stride")),
            ("pads", padding.Concat(padding).ToArray()),
            ("dilations", c.Longs("dilation")),
            ("group", c.Long("groups")),
        };
        if (transposed && c.HasValue("output_padding")) list.Add(("output_padding", c.Longs("output_padding")));
        return list.ToArray();
    }

    /// <summary>MaxPool; the positions (when read) are ONNX's flat indices taken modulo the plane, which gives PyTorch's per-plane positions.</summary>
    private static void MaxPool(ExportCall c)
    {
        var padding = c.Longs("padding");
        var attributes = new (string, object)[]
        {
            ("kernel_shape", c.Longs("kernel_size")), ("strides", c.Longs("stride")), ("pads", padding.Concat(padding).ToArray()),
            ("dilations", c.Longs("dilation")), ("ceil_mode", c.Bool("ceil_mode") ? 1L : 0L),
        };
        bool indices = c.Outputs.Length > 1 && c.IsUsed(1);
        if (!indices) { c.Writer.Node("MaxPool", [c.In(0)], [c.Out(0)], attributes); return; }
        var w = c.Writer;
        string flat = w.Fresh("maxpool_indices");
        w.Node("MaxPool", [c.In(0)], [c.Out(0), flat], attributes);
        long plane = c.InSpec(0).Shape.ToArray().Skip(2).Aggregate(1L, (a, b) => a * b);
        w.Node("Mod", [flat, w.Scalar(plane, DType.Int64)], [c.Out(1)]);
    }

    private static void AvgPool(ExportCall c)
    {
        var kernel = c.Longs("kernel_size");
        var padding = c.Longs("padding");
        var attributes = new (string, object)[]
        {
            ("kernel_shape", kernel), ("strides", c.Longs("stride")), ("pads", padding.Concat(padding).ToArray()),
            ("ceil_mode", c.Bool("ceil_mode") ? 1L : 0L), ("count_include_pad", c.Bool("count_include_pad") || c.HasValue("divisor_override") ? 1L : 0L),
        };
        if (!c.HasValue("divisor_override")) { c.Emit("AveragePool", [c.In(0)], attributes); return; }
        // A divisor override divides the window's sum by a fixed number: the mean over the whole window times its size over the divisor.
        var w = c.Writer;
        string mean = w.Node("AveragePool", [c.In(0)], null, attributes);
        double factor = kernel.Aggregate(1L, (a, b) => a * b) / (double)c.Long("divisor_override");
        c.Emit("Mul", [mean, w.Scalar(factor, c.OutSpec().DType)]);
    }

    /// <summary>
    /// Adaptive pooling one spatial dim at a time: output i of a dim of n inputs and m outputs reduces
    /// [⌊i·n/m⌋, ⌈(i+1)·n/m⌉) (PyTorch's bins); bins of one size and stride are one pooling window.
    /// </summary>
    private static void AdaptivePool(ExportCall c, string reduce)
    {
        var w = c.Writer;
        var outSize = c.Longs("output_size");
        var shape = c.InSpec(0).Shape.ToArray();
        int rank = shape.Length;
        string x = c.In(0);
        for (int s = 0; s < outSize.Length; s++)
        {
            int axis = rank - outSize.Length + s;
            long n = shape[axis], m = outSize[s];
            if (n == m) continue;
            var parts = new List<string>();
            for (long i = 0; i < m; i++)
            {
                long start = i * n / m, end = ((i + 1) * n + m - 1) / m;
                string bin = w.Op("Slice", x, w.Longs(start), w.Longs(end), w.Longs(axis));
                parts.Add(w.Node(reduce, [bin], null, ("axes", new long[] { axis }), ("keepdims", 1L)));
            }
            x = parts.Count == 1 ? parts[0] : w.Node("Concat", parts, null, ("axis", (long)axis));
        }
        c.EmitIdentity(x);
    }

    /// <summary>Resize with PyTorch's coordinates: the scale factors when every dim was given one (PyTorch then uses 1/scale), else the sizes.</summary>
    private static void Resize(ExportCall c, string mode)
    {
        var w = c.Writer;
        var scales = c.Attributes.Get<double[]>("scales");
        bool alignCorners = mode == "linear" && c.Bool("align_corners");
        string coordinates = mode == "nearest" ? "asymmetric" : alignCorners ? "align_corners" : "pytorch_half_pixel";
        var attributes = new List<(string, object)> { ("mode", mode), ("coordinate_transformation_mode", coordinates) };
        if (mode == "nearest") attributes.Add(("nearest_mode", "floor"));
        if (scales.All(s => s > 0) && !alignCorners)
        {
            var all = new float[] { 1, 1 }.Concat(scales.Select(s => (float)s)).ToArray();
            c.Emit("Resize", [c.In(0), "", w.Constant(Tensor.From(all), "scales")], attributes.ToArray());
        }
        else
        {
            c.Emit("Resize", [c.In(0), "", "", c.OutShapeValue()], attributes.ToArray());
        }
    }
}
