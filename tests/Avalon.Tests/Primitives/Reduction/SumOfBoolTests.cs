namespace Avalon.Tests.Primitives.Reduction;

public class SumOfBoolTests
{
    [Fact]
    public void BoolSumsToAnInt64Count()
    {
        var mask = Tensor.From(new[] { true, false, true, true, false, true }, 2, 3);
        var all = mask.Sum();
        Assert.Equal(DType.Int64, all.DType);
        Assert.Equal(4L, all.Item<long>());
        Assert.Equal(new long[] { 2, 2 }, mask.Sum(1).ToArray<long>());
        Assert.Equal(new long[] { 2, 0, 2 }, mask.Sum(0).ToArray<long>());
    }
}
