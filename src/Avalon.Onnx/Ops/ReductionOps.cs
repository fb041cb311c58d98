namespace Avalon.Onnx.Ops;

/// <summary>The Reduce* operators (axes an attribute before opset 13 for ReduceSum and 18 for the others, an input after).</summary>
internal static class ReductionOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("ReduceSum", c => Reduce(c, 13, (x, d, k) => x.Sum(d, k)));
        t.One("ReduceMean", c => Reduce(c, 18, (x, d, k) => x.Mean(d, k)));
        t.One("ReduceMax", c => Reduce(c, 18, (x, d, k) => x.Amax(d, k)));
        t.One("ReduceMin", c => Reduce(c, 18, (x, d, k) => x.Amin(d, k)));
        t.One("ReduceProd", c => Reduce(c, 18, Prod));
        t.One("ReduceL1", c => Reduce(c, 18, (x, d, k) => x.Abs().Sum(d, k)));
        t.One("ReduceL2", c => Reduce(c, 18, (x, d, k) => x.Square().Sum(d, k).Sqrt()));
        t.One("ReduceSumSquare", c => Reduce(c, 18, (x, d, k) => x.Square().Sum(d, k)));
        t.One("ReduceLogSum", c => Reduce(c, 18, (x, d, k) => x.Sum(d, k).Log()));
        t.One("ReduceLogSumExp", c => Reduce(c, 18, (x, d, k) => x.LogSumExp(d, k)));
    }

    private static Tensor Prod(Tensor x, int[] dims, bool keep)
    {
        var y = x;
        foreach (int d in dims.OrderByDescending(v => v)) y = y.Prod(d, keepDim: true);
        if (!keep)
        {
            var shape = new List<int>();
            for (int i = 0; i < x.Rank; i++) if (!dims.Contains(i)) shape.Add(x.Shape[i]);
            y = y.Reshape(shape.ToArray());
        }
        return y;
    }

    private static Tensor Reduce(OnnxOpContext c, int axesInputOpset, Func<Tensor, int[], bool, Tensor> reduce)
    {
        var x = c.Input(0);
        bool keep = c.Int("keepdims", 1) != 0;
        long[]? axes = c.Opset < axesInputOpset ? c.Ints("axes") : c.OptionalInput(1) is { } a ? OnnxShapes.Longs(a) : null;
        if (axes is null || axes.Length == 0)
        {
            if (c.Int("noop_with_empty_axes", 0) != 0) return x;
            axes = Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray();
        }
        if (x.Rank == 0) return x;
        var dims = axes.Select(v => OnnxShapes.Axis(v, x.Rank, c.Op)).Distinct().Order().ToArray();
        bool integer = !x.DType.IsFloatingPoint();
        var src = integer ? x.To(DType.Float64) : x;
        var y = reduce(src, dims, keep);
        return y.DType == x.DType ? y : y.To(x.DType);
    }
}
