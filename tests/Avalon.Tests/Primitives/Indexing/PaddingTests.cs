using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class PaddingTests
{
    // Reference source index along one dim, or -1 for the constant.
    private static int Source(PadMode mode, int i, int n)
    {
        switch (mode)
        {
            case PadMode.Constant: return i >= 0 && i < n ? i : -1;
            case PadMode.Reflect: return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
            case PadMode.Replicate: return Math.Clamp(i, 0, n - 1);
            default: return ((i % n) + n) % n;
        }
    }

    private static int[] RandomPads(Generator g, int[] shape, PadMode mode, int padded)
    {
        var pads = new int[2 * padded];
        for (int p = 0; p < padded; p++)
        {
            int n = shape[^(p + 1)];
            for (int side = 0; side < 2; side++)
                pads[2 * p + side] = mode switch
                {
                    PadMode.Constant => (int)g.NextInt64(-(n / 2), 4),
                    PadMode.Reflect => (int)g.NextInt64(0, n),
                    PadMode.Replicate => (int)g.NextInt64(0, 4),
                    _ => (int)g.NextInt64(0, n + 1),
                };
        }
        return pads;
    }

    [Theory]
    [InlineData(PadMode.Constant, DType.Float32)]
    [InlineData(PadMode.Constant, DType.Int64)]
    [InlineData(PadMode.Constant, DType.Float64)]
    [InlineData(PadMode.Reflect, DType.Float32)]
    [InlineData(PadMode.Reflect, DType.Float64)]
    [InlineData(PadMode.Replicate, DType.Float64)]
    [InlineData(PadMode.Replicate, DType.Int32)]
    [InlineData(PadMode.Circular, DType.Float64)]
    [InlineData(PadMode.Circular, DType.Float32)]
    public void PadMatchesReference(PadMode mode, DType dtype)
    {
        var g = new Generator(111 + (ulong)mode * 7 + (ulong)dtype);
        for (int trial = 0; trial < 50; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 4);
            var shape = RandomShape(g, rank);
            // reflect/replicate/circular need a non-empty dim to read from
            if (mode != PadMode.Constant) shape = shape.Select(s => Math.Max(s, 1)).ToArray();
            int padded = 1 + (int)g.NextInt64(0, rank);
            var pads = RandomPads(g, shape, mode, padded);
            double value = mode == PadMode.Constant ? (int)g.NextInt64(-3, 4) : 0;
            var x = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g);
            var outShape = (int[])shape.Clone();
            for (int p = 0; p < padded; p++) outShape[rank - 1 - p] += pads[2 * p] + pads[2 * p + 1];
            var xv = x.ToDoubleArray();
            var expected = new double[Numel(outShape)];
            for (int flat = 0; flat < expected.Length; flat++)
            {
                var o = Unravel(flat, outShape);
                var q = new int[rank];
                bool constant = false;
                for (int d = 0; d < rank; d++)
                {
                    int p = rank - 1 - d;
                    int before = p < padded ? pads[2 * p] : 0;
                    q[d] = Source(mode, o[d] - before, shape[d]);
                    constant |= q[d] < 0;
                }
                expected[flat] = constant ? value : xv[Ravel(q, shape)];
            }
            AssertEqual(outShape, expected, x.Pad(pads, mode, value), $"pad {mode} trial {trial} [{string.Join(",", shape)}] pads [{string.Join(",", pads)}]");
        }
    }

    [Fact]
    public void PadMatchesPyTorchExamples()
    {
        var x = Tensor.Arange(3.0).Reshape(1, 1, 3);
        // F.pad(torch.arange(3.).view(1, 1, 3), (1, 1), mode='circular') == [[[2, 0, 1, 2, 0]]]
        Assert.Equal(new float[] { 2, 0, 1, 2, 0 }, x.Pad([1, 1], PadMode.Circular).ToArray<float>());
        Assert.Equal(new float[] { 2, 1, 0, 1, 2, 1, 0 }, x.Pad([2, 2], PadMode.Reflect).ToArray<float>());
        Assert.Equal(new float[] { 0, 0, 0, 1, 2, 2 }, x.Pad([2, 1], PadMode.Replicate).ToArray<float>());
        // F.pad(torch.arange(6.).view(1, 2, 3), (-1, 2, 1, -1), value=7) == [[[7, 7, 7, 7], [1, 2, 7, 7]]]
        var y = Tensor.Arange(6.0).Reshape(1, 2, 3).Pad([-1, 2, 1, -1], value: 7);
        Assert.Equal(new[] { 1, 2, 4 }, y.Shape.ToArray());
        Assert.Equal(new float[] { 7, 7, 7, 7, 1, 2, 7, 7 }, y.ToArray<float>());
    }

    [Theory]
    [InlineData(PadMode.Reflect)]
    [InlineData(PadMode.Replicate)]
    [InlineData(PadMode.Circular)]
    public void PadBackwardSumsTheGradientOfEveryCopy(PadMode mode)
    {
        // d/dx sum(pad(x) * w) = the sum of w over the outputs each input element was copied to.
        var g = new Generator(121 + (ulong)mode);
        var shape = new[] { 2, 3, 4 };
        var pads = new[] { 2, 3, 1, 2 };
        if (mode == PadMode.Reflect) pads = [3, 2, 2, 1];
        var x = Make(shape, DType.Float64, Layout.Transposed, g);
        var padded = x.Pad(pads, mode);
        var w = Make(padded.Shape.ToArray(), DType.Float64, Layout.Contiguous, g);
        var grad = Avalon.Autodiff.Grad.Of((Tensor a) => (a.Pad(pads, mode) * w).Sum(), x).Gradient;
        var expected = new double[x.Numel];
        var wv = w.ToDoubleArray();
        var outShape = padded.Shape.ToArray();
        for (int flat = 0; flat < wv.Length; flat++)
        {
            var o = Unravel(flat, outShape);
            var q = new int[3];
            for (int d = 0; d < 3; d++)
            {
                int p = 2 - d;
                q[d] = p < 2 ? Source(mode, o[d] - pads[2 * p], shape[d]) : o[d];
            }
            expected[Ravel(q, shape)] += wv[flat];
        }
        AssertEqual(shape, expected, grad, $"{mode} pad gradient");
    }
}
