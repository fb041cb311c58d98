using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class ReorderTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Bool)]
    public void FlipMatchesReference(DType dtype)
    {
        var g = new Generator(91 + (ulong)dtype);
        for (int trial = 0; trial < 50; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 4);
            var shape = RandomShape(g, rank);
            var dims = Enumerable.Range(0, rank).Where(_ => g.NextDouble() < 0.5).Select(d => g.NextDouble() < 0.5 ? d - rank : d).ToArray();
            var x = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var xv = x.ToDoubleArray();
            var expected = new double[xv.Length];
            for (int flat = 0; flat < xv.Length; flat++)
            {
                var p = Unravel(flat, shape);
                foreach (int d0 in dims) { int d = d0 < 0 ? d0 + rank : d0; p[d] = shape[d] - 1 - p[d]; }
                expected[flat] = xv[Ravel(p, shape)];
            }
            AssertEqual(shape, expected, x.Flip(dims), $"flip trial {trial} [{string.Join(",", shape)}] dims [{string.Join(",", dims)}]");
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void RollMatchesReference(DType dtype)
    {
        var g = new Generator(101 + (ulong)dtype);
        for (int trial = 0; trial < 50; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 4);
            var shape = RandomShape(g, rank);
            int count = 1 + (int)g.NextInt64(0, 3);
            var dims = Enumerable.Range(0, count).Select(_ => (int)g.NextInt64(-rank, rank)).ToArray();
            var shifts = Enumerable.Range(0, count).Select(_ => (int)g.NextInt64(-12, 13)).ToArray();
            var x = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var xv = x.ToDoubleArray();
            var expected = new double[xv.Length];
            for (int flat = 0; flat < xv.Length; flat++)
            {
                var p = Unravel(flat, shape);
                for (int k = 0; k < count; k++)
                {
                    int d = dims[k] < 0 ? dims[k] + rank : dims[k], n = shape[d];
                    p[d] = ((p[d] + shifts[k]) % n + n) % n;
                }
                expected[Ravel(p, shape)] = xv[flat];
            }
            AssertEqual(shape, expected, x.Roll(shifts, dims), $"roll trial {trial} [{string.Join(",", shape)}] shifts [{string.Join(",", shifts)}] dims [{string.Join(",", dims)}]");
        }
    }

    [Fact]
    public void RollWithoutDimRollsTheFlattenedTensor()
    {
        // torch.arange(6.).view(2, 3).roll(2) == [[4, 5, 0], [1, 2, 3]]
        var x = Tensor.Arange(6.0).Reshape(2, 3);
        Assert.Equal(new float[] { 4, 5, 0, 1, 2, 3 }, x.Roll(2).ToArray<float>());
        Assert.Equal(new[] { 2, 3 }, x.Roll(-1).Shape.ToArray());
        // torch.roll(torch.arange(5), (1, 1), (0, 0)) == [3, 4, 0, 1, 2]
        Assert.Equal(new float[] { 3, 4, 0, 1, 2 }, Tensor.Arange(5.0).Roll([1, 1], [0, 0]).ToArray<float>());
    }
}
