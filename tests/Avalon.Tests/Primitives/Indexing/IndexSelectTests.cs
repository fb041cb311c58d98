using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class IndexSelectTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Bool)]
    public void IndexSelectMatchesReference(DType dtype)
    {
        var g = new Generator(51 + (ulong)dtype);
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 4);
            var shape = RandomShape(g, rank);
            int dim = (int)g.NextInt64(-rank, rank), d = dim < 0 ? dim + rank : dim;
            int count = shape[d] == 0 ? 0 : (int)g.NextInt64(0, 6);
            var x = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            // A strided index exercises the dense-copy path of the index too.
            var index = Make([count], DType.Int64, (Layout)g.NextInt64(0, 3), g, 0, Math.Max(shape[d], 1));
            var outShape = (int[])shape.Clone();
            outShape[d] = count;
            var xv = x.ToDoubleArray();
            var iv = index.ToArray<long>();
            var expected = new double[Numel(outShape)];
            for (int flat = 0; flat < expected.Length; flat++)
            {
                var p = Unravel(flat, outShape);
                p[d] = (int)iv[p[d]];
                expected[flat] = xv[Ravel(p, shape)];
            }
            AssertEqual(outShape, expected, x.IndexSelect(dim, index), $"index_select trial {trial} [{string.Join(",", shape)}] dim {dim}");
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void IndexSelectIntoAnOutputOverwritesItWithTheSameValuesAndReturnsIt(DType dtype)
    {
        var g = new Generator(71 + (ulong)dtype);
        for (int trial = 0; trial < 40; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 4);
            var shape = RandomShape(g, rank);
            int d = (int)g.NextInt64(0, rank);
            int count = shape[d] == 0 ? 0 : (int)g.NextInt64(0, 6);
            var x = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var index = Make([count], DType.Int64, Layout.Contiguous, g, 0, Math.Max(shape[d], 1));
            var expected = x.IndexSelect(d, index);
            // The buffer starts with other values, so a position the kernel skipped would show.
            var output = Make(expected.Shape.ToArray(), dtype, Layout.Contiguous, g);
            int version = output.Version;
            var returned = x.IndexSelect(d, index, output);
            Assert.Same(output, returned);
            Assert.Equal(expected.ToDoubleArray(), output.ToDoubleArray());
            Assert.True(output.Version > version, "writing into the output counts a version, as an in-place call does");
        }
    }

    [Fact]
    public void IndexSelectIntoAnOutputRejectsAWrongBufferGradientsAndTracing()
    {
        var x = Tensor.Arange(12).Reshape(4, 3).To(DType.Float32);
        var index = Tensor.From(new long[] { 2, 0 });
        var wrongShape = Assert.Throws<ArgumentException>(() => x.IndexSelect(0, index, Tensor.Zeros(3, 3)));
        Assert.Contains("index_select", wrongShape.Message);
        Assert.Contains("[2, 3]", wrongShape.Message);
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, index, Tensor.Zeros([2, 3], DType.Float64)));
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, index, Tensor.Zeros(3, 2).T));
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, index, x.Narrow(0, 0, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(0, Tensor.From(new long[] { 4, 0 }), Tensor.Zeros(2, 3)));

        var leaf = x.Detach().RequiresGrad_();
        var needsGrad = Assert.Throws<InvalidOperationException>(() => leaf.IndexSelect(0, index, Tensor.Zeros(2, 3)));
        Assert.Contains("automatic differentiation", needsGrad.Message);
        using (new Avalon.Autodiff.NoGrad())
            Assert.Equal(new double[] { 6, 7, 8, 0, 1, 2 }, leaf.IndexSelect(0, index, Tensor.Zeros(2, 3)).ToDoubleArray());

        var buffer = Tensor.Zeros(2, 3);
        var traced = Assert.Throws<InvalidOperationException>(() => Avalon.Autodiff.Grad.Trace(a => a[0].IndexSelect(0, index, buffer), x));
        Assert.Contains("tape", traced.Message);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void IndexAddMatchesReference(DType dtype)
    {
        var g = new Generator(61 + (ulong)dtype);
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 4);
            var shape = RandomShape(g, rank);
            // wide inner slices take the vectorised add
            if (g.NextDouble() < 0.3) shape[^1] = 9 + (int)g.NextInt64(0, 20);
            int dim = (int)g.NextInt64(-rank, rank), d = dim < 0 ? dim + rank : dim;
            int count = shape[d] == 0 ? 0 : (int)g.NextInt64(0, 6);
            var self = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var index = Make([count], DType.Int64, Layout.Contiguous, g, 0, Math.Max(shape[d], 1));
            var srcShape = (int[])shape.Clone();
            srcShape[d] = count;
            var src = Make(srcShape, dtype, (Layout)g.NextInt64(0, 3), g);
            var expected = self.ToDoubleArray();
            var sv = src.ToDoubleArray();
            var iv = index.ToArray<long>();
            for (int flat = 0; flat < sv.Length; flat++)
            {
                var p = Unravel(flat, srcShape);
                p[d] = (int)iv[p[d]];
                expected[Ravel(p, shape)] += sv[flat];
            }
            AssertEqual(shape, expected, self.IndexAdd(dim, index, src), $"index_add trial {trial}");
        }
    }

    [Fact]
    public void IndexSelectTakesAZeroDimIndexAndAlpha()
    {
        // torch.tensor([1., 2, 3]).index_select(0, torch.tensor(1)) == tensor([2.])
        var x = Tensor.From(new float[] { 1, 2, 3 });
        var r = x.IndexSelect(0, Tensor.Scalar(1, DType.Int64));
        Assert.Equal(new[] { 1 }, r.Shape.ToArray());
        Assert.Equal(2f, r.Item<float>());
        var added = Tensor.Zeros(3).IndexAdd(0, Tensor.From(new long[] { 2, 2 }), Tensor.From(new float[] { 1, 2 }), alpha: 2);
        Assert.Equal(new float[] { 0, 0, 6 }, added.ToArray<float>());
    }

    [Fact]
    public void MaskedSelectMatchesReferenceWithBroadcasting()
    {
        var g = new Generator(141);
        for (int trial = 0; trial < 30; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 3);
            var shape = RandomShape(g, rank);
            var maskShape = shape.Select(s => g.NextDouble() < 0.3 ? 1 : s).Skip((int)g.NextInt64(0, rank)).ToArray();
            var x = Make(shape, DType.Float32, (Layout)g.NextInt64(0, 3), g);
            var mask = Make(maskShape, DType.Bool, (Layout)g.NextInt64(0, 3), g);
            var xv = x.ToDoubleArray();
            var mv = mask.ToDoubleArray();
            var expected = new List<double>();
            for (int flat = 0; flat < xv.Length; flat++)
            {
                var p = Unravel(flat, shape).Skip(rank - maskShape.Length).ToArray();
                for (int i = 0; i < p.Length; i++) if (maskShape[i] == 1) p[i] = 0;
                if (mv[Ravel(p, maskShape)] != 0) expected.Add(xv[flat]);
            }
            AssertEqual([expected.Count], expected.ToArray(), x.MaskedSelect(mask), $"masked_select trial {trial}");
        }
        var grad = Avalon.Autodiff.Grad.Of((Tensor a) => a.MaskedSelect(Tensor.From(new[] { true, false, true })).Sum(), Tensor.Ones(2, 3)).Gradient;
        Assert.Equal(new float[] { 1, 0, 1, 1, 0, 1 }, grad.ToArray<float>());
    }
}
