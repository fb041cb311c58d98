using Avalon.Autodiff;
using Avalon.Backends.Outside.Tests.Catalogue;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Backends.Outside.Tests;

/// <summary>
/// Every grad-check case of Avalon.Tests, run on the layout device and on the CPU: the forward values, the
/// tape gradients, the eager gradients and (where the case checks them) the second-order gradients must
/// agree to 1e-12 relative (forward) and 1e-10 / 1e-9 (gradients); all but one case agree bitwise. The
/// CPU side is verified against finite differences in Avalon.Tests, so agreement here is correctness on
/// the outside backend.
/// </summary>
public class PrimitiveParityTests
{
    public static TheoryData<string> CaseNames() => GradCheckCatalogue.Names();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void CaseMatchesTheCpu(string name)
    {
        var (cpu, onDevice) = GradCheckCatalogue.Pair(name, Parity.Device);
        Run(cpu, onDevice);
    }

    /// <summary>Compares one case on both devices (also what the coverage test runs).</summary>
    internal static void Run(GradCheckCase cpu, GradCheckCase onDevice)
    {
        for (int i = 0; i < onDevice.Inputs.Length; i++)
            Parity.AssertMatches(cpu.Inputs[i], onDevice.Inputs[i], $"{cpu}: input {i} (drawn on each device)", 0);
        var expected = cpu.Function(cpu.Inputs);
        var actual = Parity.OnDevice(() => onDevice.Function(onDevice.Inputs));
        Parity.AssertMatches(expected, actual, $"{cpu}: forward", 1e-12);

        var wrt = cpu.Wrt ?? Enumerable.Range(0, cpu.Inputs.Length).Where(i => cpu.Inputs[i].DType.IsFloatingPoint()).ToArray();
        var cpuSide = new Side(cpu, wrt, Avalon.Device.Cpu);
        var deviceSide = new Side(onDevice, wrt, Parity.Device);
        var expectedGrads = cpuSide.Gradients();
        var actualGrads = Parity.OnDevice(deviceSide.Gradients);
        for (int k = 0; k < wrt.Length; k++)
            Parity.AssertMatches(expectedGrads[k], actualGrads[k], $"{cpu}: tape gradient of input {wrt[k]}", 1e-10);

        var eager = Parity.OnDevice(deviceSide.EagerGradients);
        for (int k = 0; k < wrt.Length; k++)
            Parity.AssertMatches(expectedGrads[k], eager[k], $"{cpu}: eager gradient of input {wrt[k]}", 1e-10);

        if (!cpu.SecondOrder) return;
        var expectedSecond = cpuSide.SecondOrder();
        var actualSecond = Parity.OnDevice(deviceSide.SecondOrder);
        for (int k = 0; k < wrt.Length; k++)
            Parity.AssertMatches(expectedSecond[k], actualSecond[k], $"{cpu}: second-order gradient of input {wrt[k]}", 1e-9);
    }

    /// <summary>The loss L(x) = sum(f(x) * w) of a case on one device, and its derivatives.</summary>
    private sealed class Side
    {
        private readonly GradCheckCase _case;
        private readonly int[] _wrt;
        private readonly Device _device;
        private readonly Tensor _weights;

        public Side(GradCheckCase c, int[] wrt, Device device)
        {
            _case = c;
            _wrt = wrt;
            _device = device;
            var y = Parity.OnDeviceOr(device, () => c.Function(c.Inputs));
            _weights = Tensor.Randn(y.Shape.ToArray(), new Generator(1234), DType.Float64, device);
        }

        private Tensor Loss(Tensor[] xs) => (_case.Function(xs) * _weights).Sum();

        private Tensor[] Merge(Tensor[] replaced)
        {
            var merged = (Tensor[])_case.Inputs.Clone();
            for (int k = 0; k < _wrt.Length; k++) merged[_wrt[k]] = replaced[k];
            return merged;
        }

        private Tensor[] Wrt => _wrt.Select(i => _case.Inputs[i]).ToArray();

        public Tensor[] Gradients() => Grad.Of(xs => Loss(Merge(xs)), Wrt).Gradients.ToArray();

        public Tensor[] EagerGradients()
        {
            var leaves = Wrt.Select(x => x.Detach().RequiresGrad_()).ToArray();
            Loss(Merge(leaves)).Backward();
            return leaves.Select((l, k) => l.Grad ?? throw new Xunit.Sdk.XunitException($"{_case}: eager backward gave input {_wrt[k]} no gradient.")).ToArray();
        }

        public Tensor[] SecondOrder()
        {
            var v = _wrt.Select(i => Tensor.Randn(_case.Inputs[i].Shape.ToArray(), new Generator(99 + (ulong)i), DType.Float64, _device)).ToArray();
            Tensor GradDotV(Tensor[] xs)
            {
                var g = Grad.Of(ys => Loss(Merge(ys)), xs).Gradients;
                var acc = Tensor.Scalar(0.0, DType.Float64, _device);
                for (int k = 0; k < g.Length; k++) acc = acc + (g[k] * v[k]).Sum();
                return acc;
            }
            return Grad.Of(GradDotV, Wrt).Gradients.ToArray();
        }
    }
}
