using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class TriangularTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Bool)]
    public void TrilAndTriuMatchReference(DType dtype)
    {
        var g = new Generator(81 + (ulong)dtype);
        for (int trial = 0; trial < 50; trial++)
        {
            int rank = 2 + (int)g.NextInt64(0, 3);
            var shape = RandomShape(g, rank);
            int diagonal = (int)g.NextInt64(-6, 7);
            var x = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var xv = x.ToDoubleArray();
            var lower = new double[xv.Length];
            var upper = new double[xv.Length];
            for (int flat = 0; flat < xv.Length; flat++)
            {
                var p = Unravel(flat, shape);
                int i = p[^2], j = p[^1];
                lower[flat] = j <= i + diagonal ? xv[flat] : 0;
                upper[flat] = j >= i + diagonal ? xv[flat] : 0;
            }
            AssertEqual(shape, lower, x.Tril(diagonal), $"tril trial {trial} k={diagonal}");
            AssertEqual(shape, upper, x.Triu(diagonal), $"triu trial {trial} k={diagonal}");
        }
        var huge = Make([3, 3], dtype, Layout.Contiguous, g);
        Assert.Equal(huge.ToDoubleArray(), huge.Tril(int.MaxValue).ToDoubleArray());
        Assert.Equal(new double[9], huge.Triu(int.MaxValue).ToDoubleArray());
        Assert.Equal(huge.ToDoubleArray(), huge.Triu(int.MinValue).ToDoubleArray());
    }
}
