namespace Avalon.Onnx.Export;

internal static partial class PrimitiveMappings
{
    private static void AddReductions(Dictionary<string, Action<ExportCall>> t)
    {
        // Avalon's dims are normalised and sorted; no dims reduces nothing (ONNX's empty axes would reduce all).
        t["sum"] = c => Reduce(c, "ReduceSum", axesAsInput: true, c.InAs(0, c.OutSpec().DType));
        t["prod"] = c => Reduce(c, "ReduceProd", axesAsInput: false, c.InAs(0, c.OutSpec().DType));
        t["amax"] = c => Reduce(c, "ReduceMax", axesAsInput: false, c.In(0));
        t["max_dim"] = c => Reduce(c, "ReduceMax", axesAsInput: false, c.In(0));
        t["amin"] = c => Reduce(c, "ReduceMin", axesAsInput: false, c.In(0));
        t["min_dim"] = c => Reduce(c, "ReduceMin", axesAsInput: false, c.In(0));
        t["logsumexp"] = c => Reduce(c, "ReduceLogSumExp", axesAsInput: false, c.In(0));
        t["any"] = c => LogicalReduce(c, "ReduceMax");
        t["all"] = c => LogicalReduce(c, "ReduceMin");
        t["count_nonzero"] = c =>
        {
            var w = c.Writer;
            string nonzero = w.Op("Not", w.Op("Equal", c.In(0), w.Scalar(0, c.InSpec(0).DType)));
            Reduce(c, "ReduceSum", axesAsInput: true, c.Cast(nonzero, DType.Bool, DType.Int64));
        };
        t["argmax"] = c => ArgReduce(c, "ArgMax");
        t["argmin"] = c => ArgReduce(c, "ArgMin");
        t["var"] = c => Variance(c, std: false);
        t["std"] = c => Variance(c, std: true);
        t["softmax"] = c => c.Emit("Softmax", [c.In(0)], ("axis", c.Long("dim")));
        t["log_softmax"] = c => c.Emit("LogSoftmax", [c.In(0)], ("axis", c.Long("dim")));
    }

    private static void Reduce(ExportCall c, string op, bool axesAsInput, string x)
    {
        var dims = c.Longs("dims");
        long keep = c.Bool("keepdim") ? 1 : 0;
        if (dims.Length == 0) { c.EmitIdentity(x); return; }
        if (axesAsInput) c.Emit(op, [x, c.Writer.Longs(dims)], ("keepdims", keep));
        else c.Emit(op, [x], ("axes", dims), ("keepdims", keep));
    }

    private static void LogicalReduce(ExportCall c, string op)
    {
        var w = c.Writer;
        string asInt = c.Cast(c.InAs(0, DType.Bool), DType.Bool, DType.Int64);
        var dims = c.Longs("dims");
        if (dims.Length == 0) { c.EmitIdentity(c.InAs(0, DType.Bool)); return; }
        string r = w.Node(op, [asInt], null, ("axes", dims), ("keepdims", c.Bool("keepdim") ? 1L : 0L));
        c.EmitIdentity(c.Cast(r, DType.Int64, DType.Bool));
    }

    private static void ArgReduce(ExportCall c, string op)
    {
        var dims = c.Longs("dims");
        int rank = c.InSpec(0).Shape.Rank;
        long keep = c.Bool("keepdim") ? 1 : 0;
        var w = c.Writer;
        if (dims.Length == 1)
        {
            c.Emit(op, [c.In(0)], ("axis", dims[0]), ("keepdims", keep));
            return;
        }
        if (dims.Length != rank) throw c.Unsupported("an arg-reduction over several (not all) dims has no ONNX operator.");
        string flat = w.Node("Reshape", [c.In(0), w.Longs(-1)], null);
        string r = w.Node(op, [flat], null, ("axis", 0L), ("keepdims", 0L));
        c.Emit("Reshape", [r, c.OutShapeValue()], ("allowzero", 1L));
    }

    /// <summary>var = Σ(x − mean)² / max(n − correction, 0) over the dims, n counted from the input's shape (so it follows a dynamic batch).</summary>
    private static void Variance(ExportCall c, bool std)
    {
        var dims = c.Longs("dims");
        if (dims.Length == 0) throw c.Unsupported("a variance over no dims is not exported.");
        var w = c.Writer;
        var d = c.OutSpec().DType;
        string x = c.InAs(0, d);
        string mean = w.Node("ReduceMean", [x], null, ("axes", dims), ("keepdims", 1L));
        string diff = w.Op("Sub", x, mean);
        string ss = w.Node("ReduceSum", [w.Op("Mul", diff, diff), w.Longs(dims)], null, ("keepdims", c.Bool("keepdim") ? 1L : 0L));
        string n = w.Node("ReduceProd", [w.Node("Gather", [w.Op("Shape", x), w.Longs(dims)], null, ("axis", 0L))], null, ("keepdims", 0L));
        string denom = w.Op("Max", w.Op("Sub", c.Cast(n, DType.Int64, d), w.Scalar(c.Long("correction"), d)), w.Scalar(0, d));
        string v = w.Op("Div", ss, denom);
        if (std) c.Emit("Sqrt", [v]); else c.EmitIdentity(v);
    }
}
