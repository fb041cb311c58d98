using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class GatherScatterTests
{
    // A random data shape, a dim, and an index shape no larger outside dim (and within maxAtDim at dim).
    private static (int[] Data, int Dim, int[] Index) Shapes(Generator g, bool indexWithinDim)
    {
        int rank = 1 + (int)g.NextInt64(0, 4);
        var data = RandomShape(g, rank);
        int dim = (int)g.NextInt64(-rank, rank), d = dim < 0 ? dim + rank : dim;
        var index = new int[rank];
        for (int i = 0; i < rank; i++) index[i] = (int)g.NextInt64(0, data[i] + 1);
        index[d] = data[d] == 0 ? 0 : (int)g.NextInt64(0, indexWithinDim ? data[d] + 1 : 5);
        return (data, dim, index);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Bool)]
    public void GatherMatchesReference(DType dtype)
    {
        var g = new Generator(21 + (ulong)dtype);
        for (int trial = 0; trial < 80; trial++)
        {
            var (shape, dim, indexShape) = Shapes(g, indexWithinDim: false);
            int d = dim < 0 ? dim + shape.Length : dim;
            var x = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var index = Make(indexShape, DType.Int64, (Layout)g.NextInt64(0, 3), g, 0, Math.Max(shape[d], 1));
            var xv = x.ToDoubleArray();
            var iv = index.ToArray<long>();
            var expected = new double[iv.Length];
            for (int flat = 0; flat < iv.Length; flat++)
            {
                var p = Unravel(flat, indexShape);
                p[d] = (int)iv[flat];
                expected[flat] = xv[Ravel(p, shape)];
            }
            AssertEqual(indexShape, expected, x.Gather(dim, index), $"gather trial {trial} x [{string.Join(",", shape)}] dim {dim} index [{string.Join(",", indexShape)}]");
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Bool)]
    public void ScatterMatchesReferenceWithDistinctIndices(DType dtype)
    {
        var g = new Generator(31 + (ulong)dtype);
        for (int trial = 0; trial < 80; trial++)
        {
            var (shape, dim, indexShape) = Shapes(g, indexWithinDim: true);
            int d = dim < 0 ? dim + shape.Length : dim;
            var self = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            // The source may be larger than the index; only the index's window of it is read.
            var srcShape = indexShape.Select(s => s + (int)g.NextInt64(0, 2)).ToArray();
            var src = Make(srcShape, dtype, (Layout)g.NextInt64(0, 3), g);
            // Distinct positions along dim within each fiber, so the result does not depend on write order.
            var iv = new long[Numel(indexShape)];
            var fiberShape = (int[])indexShape.Clone();
            fiberShape[d] = 1;
            for (int f = 0; f < Numel(fiberShape); f++)
            {
                var perm = Enumerable.Range(0, shape[d]).OrderBy(_ => g.NextDouble()).ToArray();
                var p = Unravel(f, fiberShape);
                for (int k = 0; k < indexShape[d]; k++)
                {
                    p[d] = k;
                    iv[Ravel(p, indexShape)] = perm[k];
                }
            }
            var index = Tensor.From(iv).Reshape(indexShape);
            var expected = self.ToDoubleArray();
            var sv = src.ToDoubleArray();
            for (int flat = 0; flat < iv.Length; flat++)
            {
                var p = Unravel(flat, indexShape);
                double v = sv[Ravel(p, srcShape)];
                p[d] = (int)iv[flat];
                expected[Ravel(p, shape)] = v;
            }
            string what = $"scatter trial {trial} self [{string.Join(",", shape)}] dim {dim} index [{string.Join(",", indexShape)}]";
            AssertEqual(shape, expected, self.Scatter(dim, index, src), what);
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void ScatterAddAccumulatesRepeatedIndices(DType dtype)
    {
        var g = new Generator(41 + (ulong)dtype);
        for (int trial = 0; trial < 80; trial++)
        {
            var (shape, dim, indexShape) = Shapes(g, indexWithinDim: false);
            int d = dim < 0 ? dim + shape.Length : dim;
            var self = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var src = Make(indexShape, dtype, (Layout)g.NextInt64(0, 3), g);
            var index = Make(indexShape, DType.Int64, (Layout)g.NextInt64(0, 3), g, 0, Math.Max(shape[d], 1));
            var expected = self.ToDoubleArray();
            var sv = src.ToDoubleArray();
            var iv = index.ToArray<long>();
            for (int flat = 0; flat < iv.Length; flat++)
            {
                var p = Unravel(flat, indexShape);
                p[d] = (int)iv[flat];
                expected[Ravel(p, shape)] += sv[flat];
            }
            AssertEqual(shape, expected, self.ScatterAdd(dim, index, src), $"scatter_add trial {trial}");
        }
    }

    [Fact]
    public void ScatterWithAScalarValueAndZeroDimTensors()
    {
        var x = Tensor.Zeros(2, 4);
        var index = Tensor.From(new long[] { 1, 3, 0, 2 }, 2, 2);
        Assert.Equal(new float[] { 0, 5, 0, 5, 5, 0, 5, 0 }, x.Scatter(1, index, 5.0).ToArray<float>());
        // torch.tensor(3.).gather(0, torch.tensor(0)) == tensor(3.)
        var scalar = Tensor.Scalar(3.0, DType.Float64);
        var i0 = Tensor.Scalar(0, DType.Int64);
        Assert.Equal(3.0, scalar.Gather(0, i0).Item());
        Assert.Equal(0, scalar.Gather(-1, i0).Rank);
        Assert.Equal(7.0, scalar.ScatterAdd(0, i0, Tensor.Scalar(4.0, DType.Float64)).Item());
    }

    [Fact]
    public void TakeAlongDimBroadcastsAndFlattens()
    {
        var x = Tensor.From(new double[] { 10, 30, 20, 60, 40, 50 }, 2, 3);
        var argmaxLike = Tensor.From(new long[] { 1, 0 }, 2, 1);
        Assert.Equal(new double[] { 30, 60 }, x.TakeAlongDim(argmaxLike, 1).ToArray<double>());
        // column indices [2, 0] broadcast over both rows of x
        var cols = Tensor.From(new long[] { 2, 0 }, 1, 2);
        Assert.Equal(new double[] { 20, 10, 50, 60 }, x.TakeAlongDim(cols, 1).ToArray<double>());
        Assert.Equal(new double[] { 50, 10 }, x.TakeAlongDim(Tensor.From(new long[] { 5, 0 })).ToArray<double>());
    }
}
