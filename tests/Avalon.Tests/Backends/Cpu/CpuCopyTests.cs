using Avalon.Backends;

namespace Avalon.Tests.Backends.Cpu;

public class CpuCopyTests
{
    [Fact]
    public void BroadcastSourceIntoStridedDestinationWritesOnlyTheDestinationElements()
    {
        var dst = Tensor.Zeros(2, 3);
        var column = dst.Slice(1, 0, 1);                      // [2, 1], strides [3, 1]
        var src = Tensor.Scalar(9f).Expand(2, 1);            // strides [0, 0]
        Backend.For(Device.Cpu).Copy(src, column);
        Assert.Equal(new float[] { 9, 0, 0, 9, 0, 0 }, dst.ToArray<float>());
    }
}
