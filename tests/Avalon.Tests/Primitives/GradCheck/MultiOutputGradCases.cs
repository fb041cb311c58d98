namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Grad checks for the primitives whose one call defines several values: split and unbind (views; some
/// outputs left unused so their gradient is the zeros the rule fills in), sort and topk (values and
/// int64 indices; the gradient reaches the input through the indices).
/// </summary>
public sealed class MultiOutputGradCases : IGradCheckCases
{
    private static Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator((ulong)shape.Sum() * 17 + 3), DType.Float64);

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("split", "sections along dim 1, outputs reordered and one unused", x =>
        {
            var p = x[0].Split([1, 2, 1], 1);
            return Tensor.Cat([p[2] * p[2], p[0] * 3.0], 1);
        }, [R(2, 4)]);
        yield return new("split", "chunk of a transposed input", x =>
        {
            var p = x[0].T.Chunk(2);
            return p[0] * p[1] + p[1];
        }, [R(3, 4)]);
        yield return new("unbind", "dim 1, two of three used", x =>
        {
            var p = x[0].Unbind(1);
            return p[0] * p[2] + p[2];
        }, [R(2, 3)]);
        yield return new("sort", "dim 0, descending, of a transposed input", x =>
        {
            var y = x[0].T.Sort(0, descending: true).Values;
            return y * y * Tensor.Arange(1, 3, 1, DType.Float64);
        }, [R(2, 3)]);
        yield return new("sort", "last dim, ascending", x =>
        {
            var y = x[0].Sort().Values;
            return y * y.Slice(1, 0, 1);
        }, [R(3, 4)]);
        yield return new("topk", "k 2 largest along dim 1", x =>
        {
            var y = x[0].TopK(2, 1).Values;
            return y * y;
        }, [R(3, 5)]);
        yield return new("topk", "k 3 smallest along dim 0", x =>
        {
            var y = x[0].TopK(3, 0, largest: false).Values;
            return y * y * y;
        }, [R(4, 2)]);
    }
}
