using Avalon.Backends.Outside.Tests.Layout;

namespace Avalon.Backends.Outside.Tests;

/// <summary>The work on the layout device is done by the layout backend (its storage, services and kernels), not silently on the CPU.</summary>
public class CounterTests
{
    [Fact]
    public void KernelsAndServicesRunOnTheLayoutBackend()
    {
        long add = LayoutCounters.Kernel("add"), exp = LayoutCounters.Kernel("exp"), matmul = LayoutCounters.Kernel("matmul");
        long fromHost = LayoutCounters.Service("FromHost"), toHost = LayoutCounters.Service("ToHost"), uninit = LayoutCounters.Service("AllocateUninitialized");

        var a = Tensor.From(new[] { 1f, 2, 3, 4, 5, 6 }, 2, 3).To(Parity.Device);
        var b = Tensor.From(new[] { 0.5f, -1, 2 }).To(Parity.Device);
        var y = (a + b).Exp().MatMul(a.T);
        var values = y.ToArray<float>();

        Assert.IsType<LayoutStorage>(y.Storage);
        Assert.True(y.Device == Parity.Device);
        Assert.True(LayoutCounters.Kernel("add") > add, "add did not run on the layout backend");
        Assert.True(LayoutCounters.Kernel("exp") > exp, "exp did not run on the layout backend");
        Assert.True(LayoutCounters.Kernel("matmul") > matmul, "matmul did not run on the layout backend");
        Assert.True(LayoutCounters.Service("FromHost") >= fromHost + 2, "the inputs were not uploaded through FromHost");
        Assert.True(LayoutCounters.Service("AllocateUninitialized") >= uninit + 3, "the outputs were not allocated by the layout backend");
        Assert.True(LayoutCounters.Service("ToHost") > toHost, "ToArray did not read through ToHost");

        var expected = (Tensor.From(new[] { 1f, 2, 3, 4, 5, 6 }, 2, 3) + Tensor.From(new[] { 0.5f, -1, 2 })).Exp()
            .MatMul(Tensor.From(new[] { 1f, 2, 3, 4, 5, 6 }, 2, 3).T).ToArray<float>();
        Assert.Equal(expected, values);
    }

    [Fact]
    public void TheStorageHoldsAnotherLayoutThanTheCpu()
    {
        var t = Tensor.From(new[] { 1.5f, 2.5f, -3f }).To(Parity.Device);
        var storage = Assert.IsType<LayoutStorage>(t.Storage);
        var data = Assert.IsType<double[]>(storage.Data);   // float32 widened to double
        Assert.Equal([-3.0, 2.5, 1.5], data);                // element i at position Length - 1 - i
        Assert.Equal([1.5f, 2.5f, -3f], t.ToArray<float>());

        var flags = Tensor.From(new[] { true, false }).To(Parity.Device);
        Assert.Equal([(byte)0, (byte)1], Assert.IsType<byte[]>(((LayoutStorage)flags.Storage).Data));
    }

    [Fact]
    public void UninitializedOutputsAreGarbageSoEveryKernelMustWriteThemAll()
    {
        var storage = (LayoutStorage)Backend.For(Parity.Device).AllocateUninitialized(DType.Float32, 4);
        Assert.All((double[])storage.Data, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void AKernelWritesAnOutputBufferAtItsOffset()
    {
        // Primitive.Compute into a slice of a larger device buffer, as a planned executor calls it.
        var x = Tensor.From(new[] { 1.0, -2, 3 }).To(Parity.Device);
        var whole = Tensor.Full([7], 42, DType.Float64, Parity.Device);
        var slice = Tensor.OverStorage(whole.Storage, [3], null, 2);
        Primitives.PrimitiveRegistry.Get("neg").Compute([x], Primitives.Attributes.Empty, [slice]);
        Assert.Equal([42.0, 42, -1, 2, -3, 42, 42], whole.ToArray<double>());
    }

    [Fact]
    public void AnInPlaceUpdateWritesIntoTheDeviceTensorsItMutates()
    {
        long before = LayoutCounters.Kernel("sgd_momentum_update_");
        var p = Tensor.From(new[] { 1.0, 2, 3 }).To(Parity.Device).RequiresGrad_();
        var optimizer = new Optim.Sgd([p], lr: 0.5, momentum: 0.9);
        (p * p).Sum().Backward();
        optimizer.Step();
        Assert.True(LayoutCounters.Kernel("sgd_momentum_update_") > before);
        Assert.Equal([0.0, 0, 0], p.ToArray<double>());        // p - 0.5 * 2p
        Assert.IsType<LayoutStorage>(p.Storage);
    }
}
