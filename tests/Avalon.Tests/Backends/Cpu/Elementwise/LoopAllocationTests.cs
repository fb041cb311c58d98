using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Elementwise;
using Xunit.Abstractions;

namespace Avalon.Tests.Backends.Cpu.Elementwise;

/// <summary>
/// The elementwise loop skeletons allocate nothing per call (the row iterator keeps its state inline),
/// and a whole small add allocates only its output and the call's bookkeeping. Figures are written to
/// the test output (<c>--logger "console;verbosity=detailed"</c>).
/// </summary>
public class LoopAllocationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bytes per call, the least over three rounds: the runtime's tiered compilation may allocate once while it
    /// replaces a method's code during a round (seen as 2 B/call averaged over 2,000 calls); an allocation
    /// made by the call itself shows in every round.
    /// </summary>
    private static long BytesPerCall(Action action, int calls = 2000)
    {
        for (int i = 0; i < 50; i++) action();   // warm up: JIT, static tables
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) action();
            least = Math.Min(least, (GC.GetAllocatedBytesForCurrentThread() - before) / calls);
        }
        return least;
    }

    [Fact]
    public void BinaryLoopOnPreallocatedTensorsAllocatesNothing()
    {
        var a = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.From(new float[] { 10, 20, 30 });
        var strided = Tensor.From(new float[12], 3, 4).T;   // [4, 3] view with strides (1, 4)
        var dense = Tensor.Zeros(2, 3);
        var wide = Tensor.Zeros(4, 3);
        long denseBytes = BytesPerCall(() => BinaryLoop.Run<float, AddOperator<float>>(a, b, dense));
        long stridedBytes = BytesPerCall(() => BinaryLoop.Run<float, AddOperator<float>>(strided, b, wide));
        var mask = Tensor.Zeros([2, 3], DType.Bool);
        long compareBytes = BytesPerCall(() => CompareLoop.Run<float, LessThanOperator<float>>(
            a, a.CpuSpan<float>(), b, b.CpuSpan<float>(), mask));
        output.WriteLine($"BinaryLoop.Run [2,3]+[3]: {denseBytes} B/call; strided [4,3]+[3]: {stridedBytes} B/call; " +
                         $"CompareLoop.Run [2,3]<[3]: {compareBytes} B/call");
        Assert.Equal(0, denseBytes);
        Assert.Equal(0, stridedBytes);
        Assert.Equal(0, compareBytes);
    }

    [Fact]
    public void SmallAddAllocatesLittleBeyondItsOutput()
    {
        var a = Tensor.From(new float[] { 1, 2, 3, 4 });
        var b = Tensor.From(new float[] { 5, 6, 7, 8 });
        long add = BytesPerCall(() => _ = a + b);
        long output1 = BytesPerCall(() => _ = Tensor.Uninitialized([4], DType.Float32, Device.Cpu));
        output.WriteLine($"a + b (float32[4]): {add} B/call, of which the output tensor {output1} B");
        Assert.True(add > 0);
    }
}
