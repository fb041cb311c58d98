namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Grad checks for the joining, indexing, reordering, triangular and padding primitives. Each function
/// multiplies the operation's output by itself (or by another input) so that the gradient depends on
/// the input and the second-order check exercises the rule of the rule.
/// </summary>
public sealed class IndexingGradCases : IGradCheckCases
{
    private static Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator((ulong)shape.Sum() * 31 + 5), DType.Float64);

    private static Tensor Index(long[] values, params int[] shape) => Tensor.From(values).Reshape(shape);

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("cat", "three inputs along dim 1, one transposed", x =>
        {
            var y = Tensor.Cat([x[0], x[1].T, x[2]], 1);
            return y * y;
        }, [R(2, 3), R(1, 2), R(2, 2)]);
        yield return new("cat", "stack at dim -1", x => Tensor.Stack([x[0], x[1] * x[0]], -1), [R(3, 2), R(3, 2)]);

        // Repeated indices: the gather rule must accumulate.
        var gatherIndex = Index([2, 0, 2, 1, 1, 1], 2, 3);
        yield return new("gather", "dim 1 with repeated indices", x =>
        {
            var y = x[0].Gather(1, gatherIndex);
            return y * y;
        }, [R(2, 4)]);
        yield return new("gather", "dim 0 of a transposed input, index smaller than input", x =>
        {
            var y = x[0].T.Gather(0, Index([1, 0], 1, 2));
            return y * y;
        }, [R(3, 2)]);

        // Distinct indices along dim 1 (scatter's result would otherwise depend on write order).
        var scatterIndex = Index([3, 0, 1, 2, 0, 3], 2, 3);
        yield return new("scatter", "self and src, dim 1", x =>
        {
            var y = x[0].Scatter(1, scatterIndex, x[1]);
            return y * y;
        }, [R(2, 4), R(2, 3)]);
        yield return new("scatter", "src larger than the index", x =>
        {
            var y = x[0].Scatter(0, Index([1, 0], 2, 1), x[1]);
            return y * y;
        }, [R(3, 2), R(3, 3)]);
        yield return new("scatter_add", "repeated indices, src larger than the index", x =>
        {
            var y = x[0].ScatterAdd(0, Index([0, 2, 0, 0], 2, 2), x[1]);
            return y * y;
        }, [R(3, 3), R(2, 4)]);

        var selectIndex = Index([2, 0, 2], 3);
        yield return new("index_select", "dim 1 with a repeated index", x =>
        {
            var y = x[0].IndexSelect(1, selectIndex);
            return y * y;
        }, [R(2, 3)]);
        yield return new("index_add", "dim 0 with a repeated index", x =>
        {
            var y = x[0].IndexAdd(0, selectIndex, x[1]);
            return y * y;
        }, [R(4, 2), R(3, 2)]);

        yield return new("tril", "batched, diagonal -1", x =>
        {
            var y = x[0].Tril(-1);
            return y * y;
        }, [R(2, 3, 4)]);
        yield return new("triu", "diagonal 1 of a transposed input", x =>
        {
            var y = x[0].T.Triu(1);
            return y * y;
        }, [R(4, 3)]);

        yield return new("flip", "dims 0 and 2", x => x[0].Flip(0, -1) * x[0], [R(2, 3, 2)]);
        yield return new("roll", "two dims", x => x[0].Roll([1, -2], [0, 1]) * x[0], [R(3, 4)]);

        yield return new("diagonal", "offset 1 of dims 0 and 2", x =>
        {
            var y = x[0].Diagonal(1, 0, 2);
            return y * y;
        }, [R(3, 2, 4)]);
        yield return new("diagonal_backward", "diag_embed below the diagonal", x =>
        {
            var y = x[0].DiagEmbed(-1);
            return y * y;
        }, [R(2, 3)]);

        yield return new("constant_pad_nd", "pads and crops with a value", x =>
        {
            var y = x[0].Pad([1, -1, 2, 0], value: 0.5);
            return y * y;
        }, [R(2, 3, 3)]);
        foreach (var (mode, forward) in new[] { (PadMode.Reflect, "reflection_pad"), (PadMode.Replicate, "replication_pad"), (PadMode.Circular, "circular_pad") })
        {
            var pads = new[] { 2, 1, 1, 2 };
            yield return new(forward, "last two dims", x =>
            {
                var y = x[0].Pad(pads, mode);
                return y * y;
            }, [R(2, 3, 3)]);
            yield return new(forward + "_backward", "via second order of " + forward, x =>
            {
                var y = x[0].Pad(pads, mode);
                return y * y * y;
            }, [R(1, 3, 4)]);
        }
    }
}
