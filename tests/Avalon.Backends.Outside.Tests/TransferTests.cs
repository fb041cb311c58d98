using Avalon.Autodiff;
using Avalon.Backends.Outside.Tests.Layout;
using Avalon.Nn;

namespace Avalon.Backends.Outside.Tests;

/// <summary>Tensor.To(device) and Module.To(device) to the layout device and back.</summary>
public class TransferTests
{
    public static TheoryData<DType> DTypes() => [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    [Theory]
    [MemberData(nameof(DTypes))]
    public void ATensorMovesThereAndBackWithItsValuesDTypeAndShape(DType dtype)
    {
        var source = Tensor.Arange(-5L, 7L).To(dtype).Reshape(3, 4).T;   // strided
        var there = source.To(Parity.Device);
        Assert.True(there.Device == Parity.Device);
        Assert.IsType<LayoutStorage>(there.Storage);
        Assert.Equal(dtype, there.DType);
        Assert.Equal(source.Shape, there.Shape);
        Assert.True(there.IsContiguous);
        var back = there.To(Device.Cpu);
        Assert.True(back.Device == Device.Cpu);
        Assert.Equal(source.ToDoubleArray(), back.ToDoubleArray());
        Assert.Equal(source.ToDoubleArray(), there.ToDoubleArray());
        // A strided view on the device moves back as well.
        Assert.Equal(source.T.ToDoubleArray(), there.T.To(Device.Cpu).ToDoubleArray());
    }

    [Fact]
    public void ToTheOwnDeviceIsTheSameTensor()
    {
        var t = Tensor.Ones([2]).To(Parity.Device);
        Assert.Same(t, t.To(Parity.Device));
    }

    [Fact]
    public void ToIsDifferentiableAndTheGradientMovesBack()
    {
        var x = Tensor.From(new[] { 1.0, -2, 3 }).RequiresGrad_();
        var y = x.To(Parity.Device);
        Assert.True(y.RequiresGrad);
        ((y * y).Sum() * 0.5).Backward();
        Assert.True(x.Grad!.Device == Device.Cpu);
        Assert.Equal([1.0, -2, 3], x.Grad.ToArray<double>());

        var g = Grad.Of(xs => (xs[0].To(Parity.Device).Exp().Sum()), [Tensor.From(new[] { 0.0, 1 })]).Gradients[0];
        Assert.True(g.Device == Device.Cpu);
        Assert.Equal([1.0, Math.E], g.ToArray<double>());
    }

    [Fact]
    public void MovingToAnUnregisteredDeviceNamesTheOperation()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Tensor.Ones([2]).To(Device.Cuda));
        Assert.Contains("to_device", ex.Message);
        Assert.Contains("cuda:0", ex.Message);
    }

    [Fact]
    public void MixingDevicesInOneCallIsAnError()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Ones([2]) + Tensor.Ones([2]).To(Parity.Device));
        Assert.Contains("same device", ex.Message);
    }

    [Fact]
    public void AModuleMovesThereAndBack()
    {
        var model = new Sequential(new Conv2d(1, 2, 3, padding: 1, generator: new Generator(3)), new BatchNorm2d(2), new ReLU(),
            new Flatten(), new Linear(2 * 4 * 4, 3, generator: new Generator(4)));
        var original = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToDoubleArray());
        var x = Tensor.Randn([2, 1, 4, 4], new Generator(5));
        var expected = model.Forward(x);

        Assert.Same(model, model.To(Parity.Device));
        foreach (var (path, t) in model.NamedParameters().Concat(model.NamedBuffers()))
        {
            Assert.True(t.Device == Parity.Device, $"{path} is on {t.Device}");
            Assert.IsType<LayoutStorage>(t.Storage);
        }
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
        var y = model.Forward(x.To(Parity.Device));
        Parity.AssertMatches(expected, y, "moved model forward");

        model.To(Device.Cpu);
        foreach (var (path, t) in model.StateDict())
        {
            Assert.True(t.Device == Device.Cpu, $"{path} is on {t.Device}");
            // BatchNorm's running statistics moved with the training-mode forward on the device: compare
            // the parameters only, which nothing changed.
            if (!path.Contains("running") && !path.Contains("num_batches")) Assert.Equal(original[path], t.ToDoubleArray());
        }
    }

    [Fact]
    public void ADeviceScopeCreatesTensorsAndModulesOnTheDevice()
    {
        using (new DeviceScope(Parity.Device))
        {
            Assert.True(Tensor.DefaultDevice == Parity.Device);
            Assert.True(Tensor.Zeros(2).Device == Parity.Device);
            Assert.True(Tensor.From(new[] { 1, 2 }).Device == Parity.Device);
            Assert.True(Tensor.Arange(4L).Device == Parity.Device);
            Assert.True(Tensor.Rand(3).Device == Parity.Device);
            Assert.True(new Linear(2, 2).Weight.Device == Parity.Device);
            using (new DeviceScope(Device.Cpu)) Assert.True(Tensor.Ones(1).Device == Device.Cpu);
            Assert.True(Tensor.Ones(1).Device == Parity.Device);
        }
        Assert.True(Tensor.DefaultDevice == Device.Cpu);
        Assert.True(Tensor.Zeros(2).Device == Device.Cpu);
    }

    [Fact]
    public void RandomDrawsAreTheSameOnEveryDevice()
    {
        var cpu = Tensor.Randn([5, 3], new Generator(8), DType.Float64);
        var there = Tensor.Randn([5, 3], new Generator(8), DType.Float64, Parity.Device);
        Parity.AssertMatches(cpu, there, "randn", 0);
        var mask = Tensor.Ones([4, 4], DType.Float64).Dropout(0.5, true, new Generator(9));
        var maskThere = Tensor.Ones([4, 4], DType.Float64, Parity.Device).Dropout(0.5, true, new Generator(9));
        Parity.AssertMatches(mask, maskThere, "dropout mask", 0);
    }

    [Fact]
    public void InitialisersFillDeviceTensorsLikeCpuOnes()
    {
        foreach (var (name, init) in new (string, Func<Tensor, Tensor>)[]
        {
            ("uniform_", t => Init.Uniform_(t, -1, 1, new Generator(1))),
            ("normal_", t => Init.Normal_(t, 0, 2, new Generator(2))),
            ("trunc_normal_", t => Init.TruncNormal_(t, generator: new Generator(3))),
            ("kaiming_uniform_", t => Init.KaimingUniform_(t, generator: new Generator(4))),
            ("xavier_normal_", t => Init.XavierNormal_(t, generator: new Generator(5))),
            ("orthogonal_", t => Init.Orthogonal_(t, generator: new Generator(6))),
            ("eye_", t => Init.Eye_(t)),
            ("constant_", t => Init.Constant_(t, 0.25)),
        })
        {
            var cpu = init(Tensor.Zeros([4, 3]));
            var there = init(Tensor.Zeros([4, 3], DType.Float32, Parity.Device));
            Parity.AssertMatches(cpu, there, name, 0);
        }
    }

    [Fact]
    public void TracedTrainingStepReplaysOnTheDevice()
    {
        // A traced step moves its fresh seeds to the device on every replay (dropout), and matches the CPU.
        Tensor[] Run(Device device)
        {
            Module model;
            using (new DeviceScope(device))
                model = new Sequential(new Linear(4, 6, generator: new Generator(1)), new Dropout(0.3, new Generator(2)), new Linear(6, 1, generator: new Generator(3)));
            var step = Grad.TraceStep(model, xs => [((model.Forward(xs[0]) - xs[1]) * (model.Forward(xs[0]) - xs[1])).Mean()],
                [Tensor.Randn([5, 4], new Generator(4), device: device), Tensor.Randn([5, 1], new Generator(5), device: device)]);
            var (outputs, grads) = step.Run([Tensor.Randn([5, 4], new Generator(6), device: device), Tensor.Randn([5, 1], new Generator(7), device: device)]);
            return [.. outputs, .. grads.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value)];
        }
        var cpu = Run(Device.Cpu);
        var there = Run(Parity.Device);
        Assert.Equal(cpu.Length, there.Length);
        for (int k = 0; k < cpu.Length; k++) Parity.AssertMatches(cpu[k], there[k], $"replayed step value {k}");
    }
}
