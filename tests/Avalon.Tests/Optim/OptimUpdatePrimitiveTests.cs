using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Backends.Cpu;
using Avalon.Optim;
using Avalon.Primitives;
using Avalon.Primitives.Optim;

namespace Avalon.Tests.Optim;

/// <summary>
/// The fused in-place update primitives: the Adam kernel against the op-by-op reference it replaced
/// (bit for bit), every update primitive run into offset buffers, and their effects.
/// </summary>
public sealed class OptimUpdatePrimitiveTests
{
    private static Tensor R(int n, DType dtype, ulong seed, bool positive = false)
    {
        var t = Tensor.Randn([n], new Generator(seed), DType.Float64);
        if (positive) t = t * t + 0.01;
        return t.To(dtype);
    }

    public static TheoryData<string, int, bool, bool, double, bool> AdamCases()
    {
        var data = new TheoryData<string, int, bool, bool, double, bool>();
        foreach (string dtype in new[] { "float32", "float64" })
            foreach (int n in new[] { 1, 37, 70_003 })
                foreach (var (amsgrad, maximize, wd, decoupled) in new[] { (false, false, 0.0, false), (true, false, 0.0, false), (false, true, 0.1, false), (true, true, 0.05, true), (false, false, 0.01, true) })
                    data.Add(dtype, n, amsgrad, maximize, wd, decoupled);
        return data;
    }

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void FusedAdamIsBitForBitTheOpByOpReference(string dtypeName, int n, bool amsgrad, bool maximize, double weightDecay, bool decoupled)
    {
        var dtype = dtypeName == "float32" ? DType.Float32 : DType.Float64;
        Tensor param = R(n, dtype, 1), expAvg = R(n, dtype, 2), expAvgSq = R(n, dtype, 3, positive: true), maxSq = R(n, dtype, 4, positive: true);
        Tensor[] reference = [param.ContiguousCopy(), expAvg.ContiguousCopy(), expAvgSq.ContiguousCopy(), maxSq.ContiguousCopy()];
        var attributes = Attributes.Of(("lr", 3e-3), ("beta1", 0.85), ("beta2", 0.995), ("eps", 1e-7), ("weight_decay", weightDecay),
            ("maximize", maximize), ("decoupled", decoupled));
        for (int step = 1; step <= 3; step++)
        {
            var grad = R(n, dtype, 10 + (ulong)step);
            var stepValue = Tensor.Scalar(step, DType.Float64);
            if (amsgrad) OptimPrimitives.AdamAmsgradUpdate.InvokeMany(attributes, param, grad, expAvg, expAvgSq, maxSq, stepValue);
            else OptimPrimitives.AdamUpdate.InvokeMany(attributes, param, grad, expAvg, expAvgSq, stepValue);
            var h = (Lr: 3e-3, Beta1: 0.85, Beta2: 0.995, Eps: 1e-7, WeightDecay: weightDecay, Amsgrad: amsgrad, Maximize: maximize, Decoupled: decoupled);
            if (dtype == DType.Float32)
                ReferenceAdam(reference[0].ContiguousSpan<float>(), grad.ContiguousSpan<float>(), reference[1].ContiguousSpan<float>(),
                    reference[2].ContiguousSpan<float>(), amsgrad ? reference[3].ContiguousSpan<float>() : default, step, h);
            else
                ReferenceAdam(reference[0].ContiguousSpan<double>(), grad.ContiguousSpan<double>(), reference[1].ContiguousSpan<double>(),
                    reference[2].ContiguousSpan<double>(), amsgrad ? reference[3].ContiguousSpan<double>() : default, step, h);
        }
        AssertBitwise(reference[0], param, "param");
        AssertBitwise(reference[1], expAvg, "exp_avg");
        AssertBitwise(reference[2], expAvgSq, "exp_avg_sq");
        AssertBitwise(reference[3], maxSq, "max_exp_avg_sq");
    }

    [Fact]
    public void FusedAdamIsTheSameForOneAndTwoThreads()
    {
        Tensor[] Run(int threads)
        {
            int saved = CpuParallel.Threads;
            try
            {
                CpuParallel.Threads = threads;
                Tensor p = R(200_001, DType.Float32, 1), m = R(200_001, DType.Float32, 2), v = R(200_001, DType.Float32, 3, true);
                OptimPrimitives.AdamUpdate.InvokeMany(Attributes.Of(("lr", 1e-2)), p, R(200_001, DType.Float32, 4), m, v, Tensor.Scalar(2, DType.Float64));
                return [p, m, v];
            }
            finally { CpuParallel.Threads = saved; }
        }
        var one = Run(1);
        var two = Run(2);
        for (int i = 0; i < one.Length; i++) AssertBitwise(one[i], two[i], $"tensor {i}");
    }

    /// <summary>A call of each update primitive, on fresh float32 tensors of shape [5, 3].</summary>
    public static IEnumerable<(Primitive Primitive, Attributes Attributes, Func<Tensor[]> Inputs)> Calls()
    {
        Tensor T(ulong seed, bool positive = false) => R(15, DType.Float32, seed, positive).Reshape(5, 3).ContiguousCopy();
        Tensor Step() => Tensor.Scalar(4, DType.Float64);
        yield return (OptimPrimitives.SgdUpdate, Attributes.Of(("lr", 0.1), ("weight_decay", 0.01)), () => [T(1), T(2)]);
        yield return (OptimPrimitives.SgdMomentumUpdate, Attributes.Of(("lr", 0.1), ("momentum", 0.9), ("nesterov", true)), () => [T(1), T(2), T(3)]);
        yield return (OptimPrimitives.AdamUpdate, Attributes.Of(("lr", 0.01)), () => [T(1), T(2), T(3), T(4, true), Step()]);
        yield return (OptimPrimitives.AdamAmsgradUpdate, Attributes.Of(("lr", 0.01), ("decoupled", true), ("weight_decay", 0.1)),
            () => [T(1), T(2), T(3), T(4, true), T(5, true), Step()]);
        yield return (OptimPrimitives.RmsPropUpdate, Attributes.Of(("lr", 0.01)), () => [T(1), T(2), T(3, true)]);
        yield return (OptimPrimitives.RmsPropMomentumUpdate, Attributes.Of(("lr", 0.01), ("momentum", 0.5)), () => [T(1), T(2), T(3, true), T(4)]);
        yield return (OptimPrimitives.RmsPropCenteredUpdate, Attributes.Of(("lr", 0.01)), () => [T(1), T(2), T(3, true), T(4)]);
        yield return (OptimPrimitives.RmsPropCenteredMomentumUpdate, Attributes.Of(("lr", 0.01), ("momentum", 0.5)),
            () => [T(1), T(2), T(3, true), T(4), T(5)]);
        yield return (OptimPrimitives.AdagradUpdate, Attributes.Of(("lr", 0.01), ("lr_decay", 0.1)), () => [T(1), T(2), T(3, true), Step()]);
    }

    [Fact]
    public void EveryUpdateComputesIntoOffsetBuffersLikeInvoke()
    {
        foreach (var (primitive, attributes, makeInputs) in Calls())
        {
            var invoked = makeInputs();
            var results = primitive.InvokeMany(attributes, invoked);
            Assert.Equal(primitive.OutputCount, results.Length);
            for (int k = 0; k < results.Length; k++) Assert.Same(invoked[primitive.Effects.MutatedInputs[k]], results[k]);

            var computed = makeInputs();
            var buffers = new Tensor[primitive.OutputCount];
            for (int k = 0; k < buffers.Length; k++)
            {
                var big = Tensor.Full([40], double.NaN, DType.Float32);
                buffers[k] = Tensor.OverStorage(big.Storage, [5, 3], null, 7);
            }
            primitive.Compute(computed, primitive.ValidateAttributes(attributes), buffers);
            for (int k = 0; k < buffers.Length; k++)
            {
                int m = primitive.Effects.MutatedInputs[k];
                AssertBitwise(invoked[m], computed[m], $"{primitive.Name}: mutated input {m}");
                AssertBitwise(invoked[m], buffers[k], $"{primitive.Name}: output buffer {k}");
            }
        }
    }

    [Fact]
    public void UpdatesAreInPlaceNotDifferentiableAndBumpTheVersion()
    {
        foreach (var (primitive, attributes, makeInputs) in Calls())
        {
            Assert.True(primitive.Effects.IsInPlace, primitive.Name);
            Assert.False(primitive.IsDifferentiable, primitive.Name);
            Assert.Equal(0, primitive.Effects.MutatedInputs[0]);
            Assert.DoesNotContain(1, primitive.Effects.MutatedInputs); // the gradient is only read
            var inputs = makeInputs();
            int before = inputs[0].Storage.Version;
            var grad = inputs[1].ContiguousCopy();
            primitive.InvokeMany(attributes, inputs);
            Assert.True(inputs[0].Storage.Version > before, primitive.Name);
            AssertBitwise(grad, inputs[1], $"{primitive.Name}: gradient unchanged");
        }
    }

    [Fact]
    public void BadInputsNameTheUpdateAndTheOperands()
    {
        var p = Tensor.Zeros(3);
        var e = Assert.Throws<ArgumentException>(() =>
            OptimPrimitives.AdamUpdate.InvokeMany(Attributes.Of(("lr", 0.1)), p, Tensor.Zeros(3), Tensor.Zeros(4), Tensor.Zeros(3), Tensor.Scalar(1, DType.Float64)));
        Assert.Contains("adam_update_: exp_avg is float32[4] but param is float32[3]", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            OptimPrimitives.AdagradUpdate.InvokeMany(Attributes.Of(("lr", 0.1)), p, Tensor.Zeros(3), Tensor.Zeros(3), Tensor.Scalar(1)));
        Assert.Contains("adagrad_update_: step must be a 0-d float64 tensor", e.Message);
        e = Assert.Throws<ArgumentException>(() => OptimPrimitives.SgdUpdate.InvokeMany(Attributes.Of(("lr", 0.1)), p));
        Assert.Contains("sgd_update_: expected 2 inputs (param, grad), got 1", e.Message);
        var strided = Tensor.Zeros(2, 3).T;
        var s = Assert.Throws<InvalidOperationException>(() => OptimPrimitives.SgdUpdate.InvokeMany(Attributes.Of(("lr", 0.1)), strided, Tensor.Zeros(3, 2)));
        Assert.Contains("sgd_update_: param of shape [3, 2] with strides [1, 3] is not contiguous", s.Message);
    }

    [Fact]
    public void AnOptimizerStepOnATapeRecordsTheUpdateAndItsOutputsNameTheNewValues()
    {
        var p = Tensor.From(new float[] { 1, 2, 3 }).RequiresGrad_();
        p.Grad = Tensor.From(new float[] { 0.5f, -1, 2 });
        var opt = new Sgd([p], lr: 0.1);
        var tape = Avalon.Autodiff.Grad.Trace(x => { opt.Step(); return x[0] * 1.0; }, p);
        Assert.Contains("sgd_update_(", tape.ToString());
        Assert.Equal(new float[] { 0.95f, 2.1f, 2.8f }, p.ToArray<float>());
    }

    private static void AssertBitwise(Tensor expected, Tensor actual, string what)
    {
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            if (BitConverter.DoubleToInt64Bits(e[i]) != BitConverter.DoubleToInt64Bits(a[i]))
                Assert.Fail($"{what}: element {i} is {a[i]:R}, expected {e[i]:R} bit for bit.");
    }

    /// <summary>The op-by-op Adam update the fused kernel replaced (PyTorch's _single_tensor_adam(w)), verbatim.</summary>
    private static void ReferenceAdam<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq, Span<T> maxExpAvgSq, double step,
        (double Lr, double Beta1, double Beta2, double Eps, double WeightDecay, bool Amsgrad, bool Maximize, bool Decoupled) h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tmp = new T[param.Length].AsSpan();
        ReadOnlySpan<T> g = grad;
        if (h.Maximize || (h.WeightDecay != 0 && !h.Decoupled))
        {
            var adjusted = new T[param.Length].AsSpan();
            if (h.Maximize) TensorPrimitives.Negate(grad, adjusted);
            else grad.CopyTo(adjusted);
            if (h.WeightDecay != 0 && !h.Decoupled)
                TensorPrimitives.FusedMultiplyAdd(param, T.CreateTruncating(h.WeightDecay), adjusted, adjusted);
            g = adjusted;
        }
        if (h.Decoupled && h.WeightDecay != 0)
            TensorPrimitives.Multiply(param, T.CreateTruncating(1 - h.Lr * h.WeightDecay), param);
        TensorPrimitives.Multiply(expAvg, T.CreateTruncating(h.Beta1), expAvg);
        TensorPrimitives.FusedMultiplyAdd(g, T.CreateTruncating(1 - h.Beta1), expAvg, expAvg);
        TensorPrimitives.Multiply(expAvgSq, T.CreateTruncating(h.Beta2), expAvgSq);
        TensorPrimitives.Multiply(g, g, tmp);
        TensorPrimitives.FusedMultiplyAdd(tmp, T.CreateTruncating(1 - h.Beta2), expAvgSq, expAvgSq);
        double biasCorrection1 = 1 - Math.Pow(h.Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(h.Beta2, step);
        double stepSize = h.Lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);
        ReadOnlySpan<T> secondMoment = expAvgSq;
        if (h.Amsgrad)
        {
            TensorPrimitives.Max(maxExpAvgSq, expAvgSq, maxExpAvgSq);
            secondMoment = maxExpAvgSq;
        }
        TensorPrimitives.Sqrt(secondMoment, tmp);
        TensorPrimitives.Divide(tmp, T.CreateTruncating(biasCorrection2Sqrt), tmp);
        TensorPrimitives.Add(tmp, T.CreateTruncating(h.Eps), tmp);
        TensorPrimitives.Divide(expAvg, tmp, tmp);
        TensorPrimitives.FusedMultiplyAdd(tmp, T.CreateTruncating(-stepSize), param, param);
    }
}
