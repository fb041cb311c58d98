namespace Avalon.Tests.Tensors;

/// <summary>
/// <c>IsClose</c>/<c>AllClose</c> against torch.isclose's results (PyTorch 1.13, noted beside each case):
/// infinities, NaN with and without equal_nan, the asymmetric relative tolerance, integers, broadcasting.
/// </summary>
public sealed class ClosenessTests
{
    private static readonly float[] A = [1f, 2f, float.PositiveInfinity, float.PositiveInfinity, float.NaN, 1f, 1e-9f, 0f];
    private static readonly float[] B = [2f, 1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.PositiveInfinity, 0f, 1e-9f];

    private static bool[] Values(Tensor t) => t.ToArray<bool>();

    [Fact]
    public void RelativeToleranceScalesWithTheSecondArgument()
    {
        // torch.isclose(a, b, rtol=0.5, atol=0)
        Assert.Equal([true, false, true, false, false, false, false, false],
            Values(Tensor.From(A).IsClose(Tensor.From(B), rtol: 0.5, atol: 0)));
    }

    [Fact]
    public void DefaultsWithEqualNan()
    {
        // torch.isclose(a, b, equal_nan=True)
        Assert.Equal([false, false, true, false, true, false, true, true],
            Values(Tensor.From(A).IsClose(Tensor.From(B), equalNan: true)));
        Assert.False(Tensor.From(A).IsClose(Tensor.From(B))[4].Item<bool>());
    }

    [Fact]
    public void IntegersAndBroadcasting()
    {
        // torch.isclose(torch.tensor([1, 2, 3]), torch.tensor([1, 2, 4]), atol=1)
        Assert.Equal([true, true, true], Values(Tensor.From(new long[] { 1, 2, 3 }).IsClose(Tensor.From(new long[] { 1, 2, 4 }), atol: 1)));
        Assert.False(Tensor.From(new long[] { 1, 2, 3 }).AllClose(Tensor.From(new long[] { 1, 2, 4 })));
        // torch.isclose(torch.tensor([[1.], [2.]]), torch.tensor([1., 2., 3.]))
        var close = Tensor.From(new[] { 1f, 2f }, 2, 1).IsClose(Tensor.From(new[] { 1f, 2f, 3f }));
        Assert.Equal(new[] { 2, 3 }, close.Shape.ToArray());
        Assert.Equal([true, false, false, false, true, false], Values(close));
    }

    [Fact]
    public void AllCloseAndBadArguments()
    {
        var x = Tensor.Randn([4, 5], new Generator(1));
        Assert.True(x.AllClose(x + 1e-7f));
        Assert.False(x.AllClose(x + 1e-2f));
        var dtype = Assert.Throws<ArgumentException>(() => x.IsClose(x.To(DType.Float64)));
        Assert.Contains("isclose", dtype.Message);
        Assert.Contains("float32 and float64", dtype.Message);
        Assert.Throws<ArgumentException>(() => x.IsClose(x, rtol: -1));
    }
}
