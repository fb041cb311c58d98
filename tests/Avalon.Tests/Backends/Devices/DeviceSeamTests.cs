using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training.Checkpoints;
using Avalon.Primitives;

namespace Avalon.Tests.Backends.Devices;

/// <summary>
/// The library on a device other than the CPU: Tensor.To(device) (the to_device primitive, with its
/// gradient moving back), the default-device scope, seeds moved to the computing device, and the rules
/// and functions that used to build CPU constants (var/std, prod, max with a dim, masked_select, feature
/// dropout, the initialisers, loading a state dict across devices).
/// </summary>
public class DeviceSeamTests
{
    private static Device Mirror => MirrorDevice.Device;

    private static Tensor R(ulong seed, params int[] shape) => Tensor.Randn(shape, new Generator(seed), DType.Float64);

    private static void AssertSame(Tensor cpu, Tensor onDevice, string what)
    {
        Assert.True(onDevice.Device == Mirror, $"{what}: on {onDevice.Device}");
        Assert.Equal(cpu.Shape, onDevice.Shape);
        Assert.Equal(cpu.ToDoubleArray(), onDevice.ToDoubleArray());
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cuda:0")]
    [InlineData("cuda:3")]
    [InlineData("privateuseone:0")]
    [InlineData("privateuseone:2")]
    public void DeviceNamesParseBack(string name) => Assert.Equal(name, Device.Parse(name).ToString());

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cpu:1")]
    public void BadDeviceNamesAreRejected(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => Device.Parse(name));
        Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void ToMovesValuesDTypeAndShapeAndBack()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool })
        {
            var x = Tensor.Arange(-3L, 3L).To(dtype).Reshape(2, 3).T;
            var there = x.To(Mirror);
            Assert.True(there.Device == Mirror && there.DType == dtype && there.IsContiguous);
            Assert.False(there.Storage.Device == Device.Cpu);
            Assert.Equal(x.ToDoubleArray(), there.ToDoubleArray());
            var back = there.To(Device.Cpu);
            Assert.True(back.Device == Device.Cpu);
            Assert.Equal(x.ToDoubleArray(), back.ToDoubleArray());
        }
    }

    [Fact]
    public void ToIsRecordedAndItsGradientMovesBack()
    {
        var x = R(1, 3);
        var result = Grad.Of(xs => (xs[0].To(Mirror) * xs[0].To(Mirror)).Sum(), [x]);
        Assert.True(result.Gradients[0].Device == Device.Cpu);
        Assert.Equal((x * 2).ToDoubleArray(), result.Gradients[0].ToDoubleArray());
        var leaf = x.Detach().RequiresGrad_();
        leaf.To(Mirror).Exp().Sum().Backward();
        Assert.Equal(x.Exp().ToDoubleArray(), leaf.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ToTheSameDeviceThroughThePrimitiveCopies()
    {
        var x = R(2, 4);
        var copy = PrimitiveRegistry.Get("to_device").Invoke(Attributes.Of(("device", "cpu")), x);
        Assert.False(copy.SharesStorageWith(x));
        Assert.Equal(x.ToDoubleArray(), copy.ToDoubleArray());
    }

    [Fact]
    public void ToAnUnregisteredDeviceIsNotSupported()
    {
        var ex = Assert.Throws<NotSupportedException>(() => R(3, 2).To(new Device(DeviceType.Cuda, 1)));
        Assert.Contains("to_device", ex.Message);
        Assert.Contains("cuda:1", ex.Message);
    }

    [Fact]
    public void ADeviceScopeSetsTheDefaultDeviceOnThisThreadAndNests()
    {
        Assert.Equal(Device.Cpu, Tensor.DefaultDevice);
        using (new DeviceScope(Mirror))
        {
            Assert.Equal(Mirror, Tensor.DefaultDevice);
            Assert.Equal(Mirror, Tensor.Zeros(2).Device);
            Assert.Equal(Mirror, Tensor.From(new[] { 1.0, 2 }).Device);
            Assert.Equal(Mirror, Tensor.Eye(2).Device);
            Assert.Equal(Mirror, Tensor.Randn(3).Device);
            Assert.Equal(Mirror, new Linear(3, 2, generator: new Generator(1)).Weight.Device);
            using (new DeviceScope(Device.Cpu)) Assert.Equal(Device.Cpu, Tensor.Ones(1).Device);
            Assert.Equal(Mirror, Tensor.Ones(1).Device);
            Device other = Mirror;
            var thread = new Thread(() => other = Tensor.DefaultDevice);
            thread.Start();
            thread.Join();
            Assert.Equal(Device.Cpu, other);
        }
        Assert.Equal(Device.Cpu, Tensor.DefaultDevice);
    }

    [Fact]
    public void SeedsAreDrawnOnTheHostAndMovedToTheComputingDevice()
    {
        using (new DeviceScope(Mirror)) Assert.Equal(Device.Cpu, new Generator(1).NextSeed().Device);
        AssertSame(Tensor.Rand([3, 4], new Generator(2)), Tensor.Rand([3, 4], new Generator(2), device: Mirror), "rand");
        AssertSame(R(3, 5).Dropout(0.5, true, new Generator(4)), R(3, 5).To(Mirror).Dropout(0.5, true, new Generator(4)), "dropout");
        var p = Tensor.Rand([6], new Generator(5), DType.Float64);
        AssertSame(p.Bernoulli(new Generator(6)), p.To(Mirror).Bernoulli(new Generator(6)), "bernoulli");
    }

    [Fact]
    public void RulesThatBuildConstantsBuildThemOnTheInputsDevice()
    {
        (string Name, Func<Tensor, Tensor> F)[] cases =
        [
            ("std", x => x.Std()),
            ("var", x => x.Var(1)),
            ("prod", x => x.Prod(1)),
            ("max with a dim", x => x.Max(1).Values),
            ("min with a dim", x => x.Min(0).Values),
            ("masked_select", x => x.MaskedSelect(x.Gt(0))),
        ];
        var x = R(7, 3, 4);
        foreach (var (name, f) in cases)
        {
            var expected = Grad.Of(xs => f(xs[0]).Sum(), [x]).Gradients[0];
            var onDevice = Grad.Of(xs => f(xs[0]).Sum(), [x.To(Mirror)]).Gradients[0];
            AssertSame(expected, onDevice, name);
        }
    }

    [Fact]
    public void FeatureDropoutRunsOnTheInputsDevice()
    {
        var x = R(8, 2, 3, 4);
        AssertSame(Functional.Dropout2d(x, 0.5, true, new Generator(9)), Functional.Dropout2d(x.To(Mirror), 0.5, true, new Generator(9)), "dropout2d");
    }

    [Fact]
    public void InitialisersFillTensorsOnTheirDevice()
    {
        AssertSame(Init.Uniform_(Tensor.Zeros([3, 4]), -1, 1, new Generator(1)),
            Init.Uniform_(Tensor.Zeros([3, 4], DType.Float32, Mirror), -1, 1, new Generator(1)), "uniform_");
        AssertSame(Init.Normal_(Tensor.Zeros([3, 4]), 0, 2, new Generator(2)),
            Init.Normal_(Tensor.Zeros([3, 4], DType.Float32, Mirror), 0, 2, new Generator(2)), "normal_");
        AssertSame(Init.KaimingUniform_(Tensor.Zeros([3, 4]), generator: new Generator(3)),
            Init.KaimingUniform_(Tensor.Zeros([3, 4], DType.Float32, Mirror), generator: new Generator(3)), "kaiming_uniform_");
    }

    [Fact]
    public void LoadStateDictCopiesAcrossDevicesAndSetStateDoesNot()
    {
        var source = new Linear(3, 2, generator: new Generator(1));
        var target = new Linear(3, 2, generator: new Generator(2));
        target.To(Mirror);
        target.LoadStateDict(source.StateDict());
        AssertSame(source.Weight, target.Weight, "weight");
        AssertSame(source.Bias!, target.Bias!, "bias");
        var ex = Assert.Throws<StateDictMismatchException>(() => target.SetState(source.GetState()));
        Assert.Contains("device mismatch", ex.Message);
    }

    [Fact]
    public void CheckpointsSaveFromAndLoadOntoAnotherDevice()
    {
        var x = R(10, 5, 3).To(DType.Float32);
        var cpuModel = new Linear(3, 2, generator: new Generator(11));
        var cpuOptimizer = new Adam(cpuModel.Parameters(), lr: 0.1);
        cpuOptimizer.ZeroGrad();
        cpuModel.Forward(x).Pow(2).Sum().Backward();
        cpuOptimizer.Step();
        string path = Path.Combine(Path.GetTempPath(), $"device-seam-{Guid.NewGuid():N}.safetensors");
        try
        {
            cpuModel.Save(path, cpuOptimizer);
            // A CPU checkpoint restores a model and its optimiser state on the device ...
            var model = new Linear(3, 2, generator: new Generator(12));
            model.To(Mirror);
            var optimizer = new Adam(model.Parameters(), lr: 0.1);
            model.Load(path, optimizer);
            foreach (var (cpu, onDevice) in cpuModel.Parameters().Zip(model.Parameters())) AssertSame(cpu, onDevice, "loaded parameter");
            foreach (var (m, o) in new[] { (cpuModel, cpuOptimizer), (model, optimizer) })
            {
                o.ZeroGrad();
                m.Forward(x.To(m.Weight.Device)).Pow(2).Sum().Backward();
                o.Step();
            }
            foreach (var (cpu, onDevice) in cpuModel.Parameters().Zip(model.Parameters())) AssertSame(cpu, onDevice, "parameter after a restored step");
            // ... and a device model saves to a file the CPU loads.
            model.Save(path, optimizer);
            var back = new Linear(3, 2, generator: new Generator(13));
            back.Load(path, new Adam(back.Parameters(), lr: 0.1));
            Assert.Equal(model.Weight.ToDoubleArray(), back.Weight.ToDoubleArray());
            Assert.Equal(Device.Cpu, back.Weight.Device);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ModuleToMovesParametersAndGradientsKeepingRequiresGrad()
    {
        var model = new Linear(3, 2, generator: new Generator(4));
        (model.Forward(R(5, 4, 3).To(DType.Float32)).Sum()).Backward();
        var weight = model.Weight.ToDoubleArray();
        var grad = model.Weight.Grad!.ToDoubleArray();
        model.To(Mirror);
        Assert.Equal(Mirror, model.Weight.Device);
        Assert.Equal(Mirror, model.Weight.Grad!.Device);
        Assert.True(model.Weight.RequiresGrad);
        Assert.Equal(weight, model.Weight.ToDoubleArray());
        Assert.Equal(grad, model.Weight.Grad.ToDoubleArray());
        model.To(Device.Cpu);
        Assert.Equal(Device.Cpu, model.Bias!.Device);
        Assert.Equal(weight, model.Weight.ToDoubleArray());
    }
}
