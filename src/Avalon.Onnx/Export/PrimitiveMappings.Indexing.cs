namespace Avalon.Onnx.Export;

internal static partial class PrimitiveMappings
{
    private static void AddIndexing(Dictionary<string, Action<ExportCall>> t)
    {
        t["gather"] = c => c.Emit("GatherElements", [c.In(0), c.InAs(1, DType.Int64)], ("axis", c.Long("dim")));
        t["index_select"] = c => c.Emit("Gather", [c.In(0), c.InAs(1, DType.Int64)], ("axis", c.Long("dim")));
        t["embedding"] = c =>
        {
            var w = c.Writer;
            string indices = c.InAs(1, DType.Int64);
            long padding = c.Long("padding_idx");
            if (!c.Bool("mask_padding") || padding < 0) { c.Emit("Gather", [c.In(0), indices], ("axis", 0L)); return; }
            string rows = w.Node("Gather", [c.In(0), indices], null, ("axis", 0L));
            string isPad = w.Op("Unsqueeze", w.Op("Equal", indices, w.Scalar(padding, DType.Int64)), w.Longs(-1));
            c.Emit("Where", [isPad, w.Scalar(0, c.OutSpec().DType), rows]);
        };
        t["scatter"] = c => c.Emit("ScatterElements", [c.In(0), c.InAs(1, DType.Int64), c.InAs(2, c.OutSpec().DType)], ("axis", c.Long("dim")));
        t["scatter_add"] = c =>
            c.Emit("ScatterElements", [c.In(0), c.InAs(1, DType.Int64), c.InAs(2, c.OutSpec().DType)], ("axis", c.Long("dim")), ("reduction", "add"));
        t["index_add"] = IndexAdd;
        t["index_add_"] = IndexAdd;
        t["one_hot"] = c =>
        {
            var w = c.Writer;
            string onehot = w.Node("OneHot", [c.InAs(0, DType.Int64), w.Longs(c.Long("num_classes")), w.Longs(0, 1)], null, ("axis", -1L));
            c.EmitIdentity(c.Cast(onehot, DType.Int64, c.OutSpec().DType));
        };
        t["sort"] = c =>
        {
            long axis = ExportCall.Axis(c.Long("dim"), c.InSpec(0).Shape.Rank);
            long n = c.InSpec(0).Shape.Rank == 0 ? 1 : c.InSpec(0).Shape[(int)axis];
            string x = c.InSpec(0).Shape.Rank == 0 ? c.Writer.Op("Reshape", c.In(0), c.Writer.Longs(1)) : c.In(0);
            if (c.InSpec(0).Shape.Rank == 0) throw c.Unsupported("sorting a 0-d tensor is not exported.");
            c.Writer.Node("TopK", [x, c.Writer.Longs(n)], c.Outputs, ("axis", axis), ("largest", c.Bool("descending") ? 1L : 0L), ("sorted", 1L));
        };
        t["topk"] = c =>
            c.Writer.Node("TopK", [c.In(0), c.Writer.Longs(c.Long("k"))], c.Outputs,
                ("axis", c.Long("dim")), ("largest", c.Bool("largest") ? 1L : 0L), ("sorted", 1L));
    }

    /// <summary>index_add(x, index, source; dim): a scatter-add of source with the index broadcast along every other dim.</summary>
    private static void IndexAdd(ExportCall c)
    {
        var w = c.Writer;
        int rank = c.InSpec(2).Shape.Rank;
        long dim = ExportCall.Axis(c.Long("dim"), rank);
        var viewShape = Enumerable.Repeat(1L, rank).ToArray();
        viewShape[dim] = -1;
        string index = w.Op("Reshape", c.InAs(1, DType.Int64), w.Longs(viewShape));
        string full = w.Op("Expand", index, w.Op("Shape", c.In(2)));
        c.Emit("ScatterElements", [c.In(0), full, c.InAs(2, c.OutSpec().DType)], ("axis", dim), ("reduction", "add"));
    }
}
