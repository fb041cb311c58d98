using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Tests.Primitives.Views;

public class SplitTests
{
    private static Tensor X() => Tensor.Arange(0, 24, 1, DType.Float64).Reshape(2, 3, 4);

    private static void AssertSameValues(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ToDoubleArray(), actual.ToDoubleArray());
    }

    [Fact]
    public void SplitChunkAndUnbindAreViewsWithSliceValues()
    {
        var x = X().Transpose(0, 2); // [4, 3, 2], not contiguous
        var parts = x.Split(3, 0);
        Assert.Equal(2, parts.Length);
        AssertSameValues(x.Slice(0, 0, 3), parts[0]);
        AssertSameValues(x.Slice(0, 3, 4), parts[1]);
        var sections = x.Split([1, 0, 2], 1);
        Assert.Equal(new Shape(4, 0, 2), sections[1].Shape);
        AssertSameValues(x.Slice(1, 1, 3), sections[2]);
        var chunks = x.Chunk(3, -1);
        Assert.Equal(2, chunks.Length);
        AssertSameValues(x.Slice(2, 1, 2), chunks[1]);
        var slices = x.Unbind(1);
        Assert.Equal(3, slices.Length);
        AssertSameValues(x.Select(1, 2), slices[2]);
        Assert.All(parts.Concat(sections).Concat(chunks).Concat(slices), p => Assert.True(p.SharesStorageWith(x)));
        Assert.Empty(Tensor.Zeros(2, 0).Unbind(1));
        Assert.Equal(3, Tensor.Zeros(0, 2).Chunk(3).Length);
        var ints = Tensor.Arange(6, DType.Int64).Split([4, 2]);
        Assert.Equal(new long[] { 4, 5 }, ints[1].ToArray<long>());
    }

    [Fact]
    public void EachIsOneCallOnTheTape()
    {
        var tape = Grad.Trace(a =>
        {
            var p = a[0].Split([1, 2, 1], 2);
            var c = a[0].Chunk(2, 0);
            var u = a[0].Unbind(1);
            return p[2].Squeeze(2) + c[1].Sum() + u[0].Sum();
        }, X());
        var names = tape.Ops.OfType<CallOp>().Select(c => c.Primitive.Name).ToList();
        Assert.Equal(2, names.Count(n => n == "split"));
        Assert.Equal(1, names.Count(n => n == "unbind"));
        Assert.DoesNotContain("slice", names);
        var split = tape.Ops.OfType<CallOp>().First(c => c.Primitive.Name == "split");
        Assert.Equal(3, split.OutputCount);
        Assert.Equal(new Shape(2, 3, 2), split.OutputSpec(1).Shape);
    }

    [Fact]
    public void GradientIsZeroWhereAnOutputIsUnusedOnTapeAndEagerly()
    {
        var x = Tensor.Randn([4, 3], new Generator(8), DType.Float64);
        var w = Tensor.Randn([2, 3], new Generator(9), DType.Float64);
        var g = Grad.Of((Tensor[] a) => (a[0].Chunk(2)[1] * w).Sum(), x).Gradients[0];
        AssertSameValues(Tensor.Cat([Tensor.Zeros([2, 3], DType.Float64), w]), g);

        var leaf = x.Detach().RequiresGrad_();
        var u = leaf.Unbind(1);
        (u[2] * 3.0).Sum().Backward();
        var expected = Tensor.Zeros([4, 3], DType.Float64).ToArray<double>();
        for (int i = 0; i < 4; i++) expected[i * 3 + 2] = 3;
        Assert.Equal(expected, leaf.Grad!.ToArray<double>());
    }

    [Fact]
    public void TapeReplaysSplitOnNewInputs()
    {
        var r = Grad.Of((Tensor[] a) =>
        {
            var p = a[0].Split([2, 1], 1);
            return (p[0] * p[0]).Sum() + (p[1] * 5.0).Sum();
        }, Tensor.Randn([2, 3], new Generator(1), DType.Float64));
        var fresh = Tensor.Randn([2, 3], new Generator(2), DType.Float64);
        var replayed = r.Tape.Run(fresh);
        var f = fresh.ToArray<double>();
        var expected = new double[6];
        for (int i = 0; i < 2; i++)
        {
            expected[i * 3] = 2 * f[i * 3];
            expected[i * 3 + 1] = 2 * f[i * 3 + 1];
            expected[i * 3 + 2] = 5;
        }
        Assert.Equal(expected, replayed[1].ToArray<double>());
    }

    [Fact]
    public void ThePrimitivesCheckTheirAttributes()
    {
        var split = PrimitiveRegistry.Get("split");
        var x = Tensor.Ones(2, 3);
        Assert.Contains("split sizes [1, 1] sum to 2 but dimension 1", Assert.Throws<ArgumentException>(() => split.InvokeMany(Attributes.Of(("sizes", new[] { 1, 1 }), ("dim", 1)), x)).Message);
        Assert.Contains("call InvokeMany", Assert.Throws<InvalidOperationException>(() => split.Invoke(Attributes.Of(("sizes", new[] { 3 }), ("dim", 1)), x)).Message);
        Assert.Contains("the required attribute 'sizes'", Assert.Throws<ArgumentException>(() => split.InvokeMany(Attributes.Empty, x)).Message);
        Assert.Contains("has size 0", Assert.Throws<ArgumentException>(() => PrimitiveRegistry.Get("unbind").InvokeMany(Attributes.Of(("dim", 1)), Tensor.Ones(2, 0))).Message);
        Assert.Contains("split sizes [2, 2] sum to 4", Assert.Throws<ArgumentException>(() => x.Split([2, 2], 1)).Message);
    }
}
