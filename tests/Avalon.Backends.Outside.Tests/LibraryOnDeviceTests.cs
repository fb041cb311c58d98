using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Checkpoints;
using Avalon.Training.Progress;

namespace Avalon.Backends.Outside.Tests;

/// <summary>The rest of the library on the layout device: training with Fit, gradient clipping, dtype casts, formatting and scalars.</summary>
public class LibraryOnDeviceTests
{
    private static Sequential Model(Device device)
    {
        using (new DeviceScope(device))
            return new Sequential(new Linear(4, 8, generator: new Generator(1)), new Tanh(), new Dropout(0.2, new Generator(2)), new Linear(8, 3, generator: new Generator(3)));
    }

    [Fact]
    public void FitTrainsOnTheDeviceLikeOnTheCpu()
    {
        var x = Tensor.Randn([24, 4], new Generator(4));
        var y = Tensor.RandInt(0, 3, [24], new Generator(5));
        TrainingHistory Train(Module model) => model.Fit(new CrossEntropyLoss(), new Adam(model.Parameters(), lr: 0.01),
            new TensorDataset(x, y), epochs: 2, batchSize: 8,
            options: new FitOptions { Seed = 6, Prefetch = false, Progress = ProgressMode.Silent });
        var cpu = Model(Device.Cpu);
        var onDevice = Model(Parity.Device);
        var cpuHistory = Train(cpu);
        var deviceHistory = Train(onDevice);
        foreach (var ((path, p), (_, pd)) in cpu.NamedParameters().Zip(onDevice.NamedParameters()))
            Parity.AssertMatches(p, pd, $"Fit: {path}");
        Assert.Equal(cpuHistory.Epochs.Count, deviceHistory.Epochs.Count);
        foreach (var (e, ed) in cpuHistory.Epochs.Zip(deviceHistory.Epochs)) Assert.Equal(e.TrainLoss, ed.TrainLoss, 6);
    }

    [Fact]
    public void ACheckpointSavedOnTheDeviceRestoresTheModelAndOptimiserThere()
    {
        var x = Tensor.Randn([6, 4], new Generator(8)).To(Parity.Device);
        void Step(Module m, Optimizer o)
        {
            m.Eval();   // no dropout: the two models' generators are at different draws
            o.ZeroGrad();
            m.Forward(x).Pow(2).Mean().Backward();
            o.Step();
        }
        var model = Model(Parity.Device);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        Step(model, optimizer);
        string path = Path.Combine(Path.GetTempPath(), $"outside-backend-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path, optimizer);
            var restored = Model(Parity.Device);
            var restoredOptimizer = new Adam(restored.Parameters(), lr: 0.01);
            restored.Load(path, restoredOptimizer);
            Assert.All(restored.Parameters(), p => Assert.True(p.Device == Parity.Device));
            Step(model, optimizer);
            Step(restored, restoredOptimizer);
            foreach (var (p, q) in model.Parameters().Zip(restored.Parameters()))
                Assert.Equal(p.ToDoubleArray(), q.ToDoubleArray());
            // The same file loads into a CPU model too.
            var onCpu = Model(Device.Cpu);
            onCpu.Load(path);
            Assert.All(onCpu.Parameters(), p => Assert.True(p.Device == Device.Cpu));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void GradientClippingWorksOnTheDevice()
    {
        var cpu = Model(Device.Cpu);
        var onDevice = Model(Parity.Device);
        var x = Tensor.Randn([5, 4], new Generator(7));
        cpu.Forward(x).Pow(2).Sum().Backward();
        onDevice.Forward(x.To(Parity.Device)).Pow(2).Sum().Backward();
        Assert.Equal(ClipGrad.ClipGradNorm(cpu.Parameters(), 0.5), ClipGrad.ClipGradNorm(onDevice.Parameters(), 0.5), 12);
        ClipGrad.ClipGradValue(cpu.Parameters(), 0.01);
        ClipGrad.ClipGradValue(onDevice.Parameters(), 0.01);
        foreach (var (p, pd) in cpu.Parameters().Zip(onDevice.Parameters()))
            Parity.AssertMatches(p.Grad!, pd.Grad!, "clipped gradient");
    }

    [Fact]
    public void CastsFormattingAndScalarsWorkOnTheDevice()
    {
        var model = Model(Parity.Device);
        model.To(DType.Float64);
        Assert.All(model.Parameters(), p => Assert.True(p.DType == DType.Float64 && p.Device == Parity.Device));
        var t = Tensor.From(new[] { 1.5, -2.25, 3 }).To(Parity.Device);
        // PyTorch's repr: the CPU text with the device added before the closing parenthesis.
        string cpuText = Tensor.From(new[] { 1.5, -2.25, 3 }).ToString();
        Assert.Equal(cpuText[..^1] + ", device='privateuseone:0')", t.ToString());
        Assert.Equal(2.25, t.Sum().Item(), 12);
        Parity.AssertMatches(Tensor.From(new[] { 1, -2, 3 }), t.To(DType.Int32), "cast to int32", 0);
        Parity.AssertMatches(Tensor.From(new[] { true, true, true }), t.To(DType.Bool), "cast to bool", 0);
    }
}
