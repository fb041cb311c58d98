using Avalon.Nn;
using Avalon.Optim;
using Avalon.Tests.Nn.ModuleRegistry;

namespace Avalon.Backends.Outside.Tests;

/// <summary>
/// Every entry of the module registry (compiled in from Avalon.Tests), built on the layout device inside
/// a <see cref="DeviceScope"/> and on the CPU from the same seed: the parameters, the forward output (in
/// training and evaluation mode), the parameter and input gradients, two training steps with SGD
/// (momentum) and with Adam, and the state_dict round trip must agree.
/// </summary>
public class ModuleParityTests
{
    private const ulong ModelSeed = 7;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in ModuleRegistry.Entries.Keys) data.Add(name);
        return data;
    }

    private static (Module Cpu, Module OnDevice) Build(ModuleEntry entry)
    {
        Generator.ManualSeed(77);
        var cpu = entry.Create(new Generator(ModelSeed));
        Generator.ManualSeed(77);
        var onDevice = Parity.OnDevice(() => entry.Create(new Generator(ModelSeed)));
        return (cpu, onDevice);
    }

    private static Tensor[] Inputs(ModuleSample sample, int s) => sample.CreateInputs(new Generator(100 + (ulong)s), DType.Float32);

    private static Tensor[] ToDevice(Tensor[] xs) => xs.Select(x => x.To(Parity.Device)).ToArray();

    private static void AssertSameTensors(IEnumerable<KeyValuePair<string, Tensor>> cpu, IEnumerable<KeyValuePair<string, Tensor>> onDevice, string what, double tolerance = 0)
    {
        var expected = cpu.ToList();
        var actual = onDevice.ToList();
        Assert.Equal(expected.Select(kv => kv.Key), actual.Select(kv => kv.Key));
        for (int i = 0; i < expected.Count; i++)
            Parity.AssertMatches(expected[i].Value, actual[i].Value, $"{what} {expected[i].Key}", tolerance);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void BuiltOnTheDeviceItHoldsTheCpuParameters(string name)
    {
        var (cpu, onDevice) = Build(ModuleRegistry.Entries[name]);
        AssertSameTensors(cpu.StateDict(), onDevice.StateDict(), $"{name}:");
        foreach (var (path, t) in onDevice.NamedParameters().Concat(onDevice.NamedBuffers()))
            Assert.True(t.Device == Parity.Device, $"{name}: {path} is on {t.Device}.");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ForwardAndBackwardMatchTheCpu(string name)
    {
        var entry = ModuleRegistry.Entries[name];
        for (int s = 0; s < entry.Samples.Count; s++)
        {
            var (cpu, onDevice) = Build(entry);
            var sample = entry.Samples[s];
            var xs = Inputs(sample, s);
            var leaves = xs.Select((x, i) => sample.Inputs[i].Differentiable && x.DType.IsFloatingPoint() ? x.Detach().RequiresGrad_() : x).ToArray();
            var deviceLeaves = ToDevice(xs).Select((x, i) => leaves[i].RequiresGrad ? x.RequiresGrad_() : x).ToArray();
            string what = $"{name} sample {s}";

            var y = entry.Run(cpu, leaves);
            var yd = Parity.OnDevice(() => entry.Run(onDevice, deviceLeaves));
            Parity.AssertMatches(y, yd, $"{what}: forward");
            if (!y.DType.IsFloatingPoint() || !(cpu.Parameters().Any(p => p.RequiresGrad) || leaves.Any(l => l.RequiresGrad))) continue;

            var w = Tensor.Randn(y.Shape.ToArray(), new Generator(5), DType.Float32);
            (y * w).Sum().Backward();
            Parity.OnDevice(() => { (yd * w.To(Parity.Device)).Sum().Backward(); return 0; });
            foreach (var ((path, p), (_, pd)) in cpu.NamedParameters().Zip(onDevice.NamedParameters()))
            {
                if (p.Grad is null) { Assert.Null(pd.Grad); continue; }
                Assert.True(pd.Grad is not null, $"{what}: {path} has no gradient on the device.");
                Parity.AssertMatches(p.Grad, pd.Grad!, $"{what}: gradient of {path}");
            }
            for (int i = 0; i < leaves.Length; i++)
                if (leaves[i].RequiresGrad && leaves[i].Grad is { } g)
                    Parity.AssertMatches(g, deviceLeaves[i].Grad ?? throw new Xunit.Sdk.XunitException($"{what}: input {i} has no gradient on the device."),
                        $"{what}: gradient of input {i}");

            cpu.Eval();
            onDevice.Eval();
            Parity.AssertMatches(entry.Run(cpu, xs), Parity.OnDevice(() => entry.Run(onDevice, ToDevice(xs))), $"{what}: forward in eval mode");
        }
    }

    public static TheoryData<string, string> NamesAndOptimisers()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in ModuleRegistry.Entries.Keys)
            foreach (var optimiser in (string[])["sgd", "adam"]) data.Add(name, optimiser);
        return data;
    }

    [Theory]
    [MemberData(nameof(NamesAndOptimisers))]
    public void TrainingStepsMatchTheCpu(string name, string optimiser)
    {
        var entry = ModuleRegistry.Entries[name];
        int s = Array.FindIndex(entry.Samples.ToArray(), x => !x.OutputShape.Contains(0));
        var (cpu, onDevice) = Build(entry);
        if (s < 0 || !cpu.Parameters().Any(p => p.RequiresGrad)) return;   // nothing to train
        var sample = entry.Samples[s];
        Optimizer Make(Module m) => optimiser == "sgd"
            ? new Sgd(m.Parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-3)
            : new Adam(m.Parameters(), lr: 0.01);
        var optCpu = Make(cpu);
        var optDevice = Make(onDevice);
        for (int step = 0; step < 2; step++)
        {
            var xs = sample.CreateInputs(new Generator(200 + (ulong)step), DType.Float32);
            var w = Tensor.Randn(sample.OutputShape, new Generator(9), DType.Float32);
            optCpu.ZeroGrad();
            (entry.Run(cpu, xs) * w).Sum().Backward();
            optCpu.Step();
            Parity.OnDevice(() =>
            {
                optDevice.ZeroGrad();
                (entry.Run(onDevice, ToDevice(xs)) * w.To(Parity.Device)).Sum().Backward();
                optDevice.Step();
                return 0;
            });
        }
        AssertSameTensors(cpu.StateDict(), onDevice.StateDict(), $"{name} after two {optimiser} steps:");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void StateDictRoundTripsThroughTheDevice(string name)
    {
        var entry = ModuleRegistry.Entries[name];
        var (cpu, onDevice) = Build(entry);
        var deviceState = onDevice.StateDict();
        foreach (var (key, t) in deviceState) Assert.True(t.Device == Parity.Device, $"{name}: state_dict entry {key} is on {t.Device}.");

        // Device state into a fresh CPU module, and the CPU state into a fresh device module (copied across devices).
        Generator.ManualSeed(78);
        var intoCpu = entry.Create(new Generator(ModelSeed + 1));
        intoCpu.LoadStateDict(deviceState);
        foreach (var ((key, expected), (_, loaded)) in cpu.StateDict().Zip(intoCpu.StateDict()))
        {
            Assert.True(loaded.Device == Avalon.Device.Cpu, $"{name}: {key} loaded into the CPU module is on {loaded.Device}.");
            Assert.Equal(expected.ToDoubleArray(), loaded.ToDoubleArray());
        }
        var intoDevice = Parity.OnDevice(() => entry.Create(new Generator(ModelSeed + 1)));
        intoDevice.LoadStateDict(intoCpu.StateDict());
        AssertSameTensors(cpu.StateDict(), intoDevice.StateDict(), $"{name}: reloaded on the device");
        foreach (var (key, t) in intoDevice.StateDict()) Assert.True(t.Device == Parity.Device, $"{name}: reloaded {key} is on {t.Device}.");

        var sample = entry.Samples[0];
        var xs = Inputs(sample, 0);
        cpu.Eval();
        intoDevice.Eval();
        Parity.AssertMatches(entry.Run(cpu, xs), Parity.OnDevice(() => entry.Run(intoDevice, ToDevice(xs))), $"{name}: forward after the round trip");
    }
}
