namespace Avalon.Onnx.Ops;

/// <summary>An operator implementation: the node's input values in, its output values out (null for an unwanted optional output).</summary>
internal delegate Tensor?[] OnnxOp(OnnxOpContext context);

/// <summary>The operators of the default ONNX domain that the importer runs, by op type.</summary>
internal static class OnnxOperators
{
    private static readonly Dictionary<string, OnnxOp> s_ops = Build();

    /// <summary>The implementation of <paramref name="opType"/> in <paramref name="domain"/>, or null when unsupported.</summary>
    public static OnnxOp? Find(string opType, string domain) =>
        domain.Length == 0 && s_ops.TryGetValue(opType, out var op) ? op : null;

    /// <summary>Every supported op type, sorted.</summary>
    public static IReadOnlyList<string> Supported => s_ops.Keys.Order(StringComparer.Ordinal).ToList();

    private static Dictionary<string, OnnxOp> Build()
    {
        var table = new Dictionary<string, OnnxOp>(StringComparer.Ordinal);
        ElementwiseOps.Register(table);
        ShapeOps.Register(table);
        IndexingOps.Register(table);
        ReductionOps.Register(table);
        NnOps.Register(table);
        PoolingOps.Register(table);
        NormalizationOps.Register(table);
        ResizeOps.Register(table);
        EinsumOp.Register(table);
        RecurrentOps.Register(table);
        ControlFlowOps.Register(table);
        LossOps.Register(table);
        ExtraOps.Register(table);
        GridSampleOp.Register(table);
        DftOp.Register(table);
        return table;
    }

    /// <summary>Adds a single-output operator.</summary>
    public static void One(this Dictionary<string, OnnxOp> table, string opType, Func<OnnxOpContext, Tensor> op) =>
        table.Add(opType, c => [op(c)]);
}
