namespace Avalon.Tests.Tensors;

/// <summary>Creation functions whose dtypes and shapes follow PyTorch's.</summary>
public sealed class CreationConformanceTests
{
    [Fact]
    public void ArangeWithIntegerArgumentsIsInt64()
    {
        // torch.arange(5) -> int64 [0, 1, 2, 3, 4]
        var a = Tensor.Arange(5);
        Assert.Equal(DType.Int64, a.DType);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, a.ToArray<long>());
        // torch.arange(2, 11, 3) -> int64 [2, 5, 8]
        var b = Tensor.Arange(2, 11, 3);
        Assert.Equal(DType.Int64, b.DType);
        Assert.Equal(new long[] { 2, 5, 8 }, b.ToArray<long>());
        // torch.arange(5, -4, -3) -> [5, 2, -1]
        Assert.Equal(new long[] { 5, 2, -1 }, Tensor.Arange(5, -4, -3).ToArray<long>());
        Assert.Equal(new long[] { 7 }, Tensor.Arange(7, 8).ToArray<long>());
        Assert.Equal(0, Tensor.Arange(3, 3).Numel);
        Assert.Equal(0, Tensor.Arange(0).Numel);
        long big = 3_000_000_000L;
        Assert.Equal(new long[] { big, big + 1 }, Tensor.Arange(big, big + 2).ToArray<long>());
    }

    [Fact]
    public void ArangeWithFloatingPointArgumentsIsTheDefaultDType()
    {
        // torch.arange(5.) and torch.arange(0, 1, 0.25) -> float32
        var a = Tensor.Arange(5.0);
        Assert.Equal(DType.Float32, a.DType);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4 }, a.ToArray<float>());
        var b = Tensor.Arange(0, 1, 0.25);
        Assert.Equal(DType.Float32, b.DType);
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 0.75f }, b.ToArray<float>());
        Assert.Equal(DType.Float32, Tensor.Arange(0.0, 3.0).DType);
    }

    [Fact]
    public void ArangeHonoursAnExplicitDType()
    {
        var a = Tensor.Arange(4, DType.Float64);
        Assert.Equal(DType.Float64, a.DType);
        Assert.Equal(new double[] { 0, 1, 2, 3 }, a.ToArray<double>());
        Assert.Equal(new int[] { 1, 3 }, Tensor.Arange(1, 5, 2, DType.Int32).ToArray<int>());
        Assert.Equal(new long[] { 0, 2 }, Tensor.Arange(0, 3.5, 2, DType.Int64).ToArray<long>());
    }

    [Fact]
    public void ArangeRejectsBadSteps()
    {
        Assert.Contains("step", Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 5, 0)).Message);
        Assert.Contains("inconsistent", Assert.Throws<ArgumentException>(() => Tensor.Arange(5, 0, 1)).Message);
        Assert.Contains("inconsistent", Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 5, -1)).Message);
        Assert.Contains("exceed", Assert.Throws<ArgumentException>(() => Tensor.Arange(0, long.MaxValue)).Message);
    }

    [Fact]
    public void FromWithAnEmptyShapeIsZeroDimensional()
    {
        // torch.tensor(2.5) has shape [] and one element.
        var s = Tensor.From(new[] { 2.5f }, []);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Numel);
        Assert.Equal(2.5, s.Item());
        Assert.Equal(0, Tensor.From(new long[] { 4 }, Array.Empty<int>()).Rank);
    }

    [Fact]
    public void FromWithAnEmptyShapeNeedsExactlyOneElement()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.From(new[] { 1f, 2f }, []));
        Assert.Contains("Tensor.From", ex.Message);
        Assert.Contains("0-dimensional", ex.Message);
        Assert.Contains("got 2", ex.Message);
        Assert.Throws<ArgumentException>(() => Tensor.From(Array.Empty<float>(), []));
    }

    [Fact]
    public void FromWithoutAShapeIsOneDimensional()
    {
        Assert.Equal(new[] { 3 }, Tensor.From(new[] { 1.0, 2.0, 3.0 }).Shape.ToArray());
        Assert.Equal(new[] { 1 }, Tensor.From(new[] { 1.0 }).Shape.ToArray());
        Assert.Equal(new[] { 0 }, Tensor.From(Array.Empty<int>()).Shape.ToArray());
        Assert.Equal(new[] { 2, 2 }, Tensor.From(new[] { 1, 2, 3, 4 }, 2, 2).Shape.ToArray());
    }
}
