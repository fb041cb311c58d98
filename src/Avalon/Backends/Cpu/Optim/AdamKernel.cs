using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Optim;

/// <summary>
/// The CPU kernel of <c>adam_update_</c> and <c>adam_amsgrad_update_</c>: PyTorch's
/// <c>_single_tensor_adam</c> / <c>_single_tensor_adamw</c> in one pass over the elements.
/// </summary>
/// <remarks>
/// Each element goes through exactly the operations of the op-by-op reference, in the same order and
/// precision (the constants rounded to the element type as before, fused multiply-adds where it used
/// them), so the result is bit for bit the same; fusing only saves the dozen passes over memory and
/// the scratch buffers. Elements are independent, so the chunks run in parallel and any thread count
/// gives the same result.
/// </remarks>
internal static class AdamKernel
{
    private const int Chunk = 1 << 15;

    /// <summary>Updates param, exp_avg, exp_avg_sq (and max_exp_avg_sq) in place; the last input is the step count t.</summary>
    public static void Run(string op, bool amsgrad, Tensor[] inputs, Attributes a) =>
        RunOne(op, amsgrad, inputs[0], inputs[1], inputs[2], inputs[3], amsgrad ? inputs[4] : null,
            UpdateOperands.Scalar(inputs[^1]), a.Double("lr"), a);

    /// <summary>
    /// The multi-tensor form (<c>multi_tensor_adam_update_</c>): every parameter of the call in turn, each
    /// through exactly the per-parameter update above (so the results are bit for bit the same), the
    /// learning rate read from the last input.
    /// </summary>
    public static void RunMulti(string op, bool amsgrad, Tensor[] inputs, Attributes a)
    {
        int states = amsgrad ? 3 : 2;
        int n = (inputs.Length - 1) / (3 + states);
        double lr = UpdateOperands.Scalar(inputs[^1]);
        for (int i = 0; i < n; i++)
            RunOne(op, amsgrad, inputs[i], inputs[n + i], inputs[2 * n + i], inputs[3 * n + i], amsgrad ? inputs[4 * n + i] : null,
                UpdateOperands.Scalar(inputs[(2 + states) * n + i]), lr, a);
    }

    private static void RunOne(string op, bool amsgrad, Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq,
        double step, double lr, Attributes a)
    {
        double beta1 = a.Double("beta1"), beta2 = a.Double("beta2"), eps = a.Double("eps");
        double weightDecay = a.Double("weight_decay");
        bool maximize = a.Bool("maximize"), decoupled = a.Bool("decoupled");
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);
        var c = new Constants(beta1, beta2, eps, weightDecay, 1 - lr * weightDecay, biasCorrection2Sqrt, -stepSize,
            maximize, weightDecay != 0 && !decoupled, decoupled && weightDecay != 0, amsgrad);
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (param.DType == DType.Float32) Update<float>(op, param, grad, expAvg, expAvgSq, maxExpAvgSq, c);
        else Update<double>(op, param, grad, expAvg, expAvgSq, maxExpAvgSq, c);
    }

    private static void Update<T>(string op, Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor? maxExpAvgSq, in Constants c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The arrays behind the spans, so that the parallel chunks can slice them.
        var operands = new Operands<T>(
            Segment(UpdateOperands.Written<T>(op, "param", param), param),
            Dense<T>(grad),
            Segment(UpdateOperands.Written<T>(op, "exp_avg", expAvg), expAvg),
            Segment(UpdateOperands.Written<T>(op, "exp_avg_sq", expAvgSq), expAvgSq),
            c.Amsgrad ? Segment(UpdateOperands.Written<T>(op, "max_exp_avg_sq", maxExpAvgSq!), maxExpAvgSq!) : default,
            param.Numel);
        int chunks = (operands.Length + Chunk - 1) / Chunk;
        var k = new ElementConstants<T>(c);
        if (chunks <= 1) Range(operands, 0, operands.Length, k);
        else InParallel(operands, chunks, k);
    }

    /// <summary>The chunks across threads. A method of its own: the lambda's closure is allocated on entering the scope of what it captures, so only a call that needs it pays for it.</summary>
    private static void InParallel<T>(Operands<T> operands, int chunks, ElementConstants<T> k) where T : unmanaged, IFloatingPointIeee754<T> =>
        CpuParallel.For(chunks, i =>
        {
            int start = i * Chunk;
            Range(operands, start, Math.Min(Chunk, operands.Length - start), k);
        });

    private static ArraySegment<T> Segment<T>(Span<T> checkedDense, Tensor tensor) where T : unmanaged
    {
        var array = (T[])((CpuStorage)tensor.Storage).Data;
        return new ArraySegment<T>(array, tensor.Offset, checkedDense.Length);
    }

    private static ArraySegment<T> Dense<T>(Tensor tensor) where T : unmanaged
    {
        var dense = tensor.ContiguousNoGrad();
        return Segment(dense.ContiguousSpan<T>(), dense);
    }

    private static void Range<T>(in Operands<T> o, int start, int length, in ElementConstants<T> k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> param = o.Param.AsSpan(start, length), expAvg = o.ExpAvg.AsSpan(start, length), expAvgSq = o.ExpAvgSq.AsSpan(start, length);
        ReadOnlySpan<T> grad = o.Grad.AsSpan(start, length);
        Span<T> maxSq = k.Amsgrad ? o.MaxExpAvgSq.AsSpan(start, length) : default;

        int i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var b1 = new Vector<T>(k.Beta1); var omb1 = new Vector<T>(k.OneMinusBeta1);
            var b2 = new Vector<T>(k.Beta2); var omb2 = new Vector<T>(k.OneMinusBeta2);
            var wd = new Vector<T>(k.WeightDecay); var shrink = new Vector<T>(k.Shrink);
            var bc2 = new Vector<T>(k.BiasCorrection2Sqrt); var eps = new Vector<T>(k.Eps); var nss = new Vector<T>(k.NegStepSize);
            ref T pRef = ref MemoryMarshal.GetReference(param);
            ref T gRef = ref MemoryMarshal.GetReference(grad);
            ref T mRef = ref MemoryMarshal.GetReference(expAvg);
            ref T vRef = ref MemoryMarshal.GetReference(expAvgSq);
            ref T xRef = ref MemoryMarshal.GetReference(maxSq);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = Vector.LoadUnsafe(ref gRef, (nuint)i);
                var p = Vector.LoadUnsafe(ref pRef, (nuint)i);
                if (k.Maximize) g = -g;
                if (k.CoupledDecay) g = Fma(p, wd, g);
                if (k.DecoupledDecay) p *= shrink;
                var m = Fma(g, omb1, Vector.LoadUnsafe(ref mRef, (nuint)i) * b1);
                var v = Fma(g * g, omb2, Vector.LoadUnsafe(ref vRef, (nuint)i) * b2);
                var s = v;
                if (k.Amsgrad)
                {
                    s = Vector.Max(Vector.LoadUnsafe(ref xRef, (nuint)i), v);
                    s.StoreUnsafe(ref xRef, (nuint)i);
                }
                var t = m / (Vector.SquareRoot(s) / bc2 + eps);
                p = Fma(t, nss, p);
                m.StoreUnsafe(ref mRef, (nuint)i);
                v.StoreUnsafe(ref vRef, (nuint)i);
                p.StoreUnsafe(ref pRef, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            T g = grad[i], p = param[i];
            if (k.Maximize) g = -g;
            if (k.CoupledDecay) g = T.FusedMultiplyAdd(p, k.WeightDecay, g);
            if (k.DecoupledDecay) p *= k.Shrink;
            T m = T.FusedMultiplyAdd(g, k.OneMinusBeta1, expAvg[i] * k.Beta1);
            T v = T.FusedMultiplyAdd(g * g, k.OneMinusBeta2, expAvgSq[i] * k.Beta2);
            T s = v;
            if (k.Amsgrad) s = maxSq[i] = T.Max(maxSq[i], v);
            T t = m / (T.Sqrt(s) / k.BiasCorrection2Sqrt + k.Eps);
            param[i] = T.FusedMultiplyAdd(t, k.NegStepSize, p);
            expAvg[i] = m;
            expAvgSq[i] = v;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }

    private readonly record struct Operands<T>(ArraySegment<T> Param, ArraySegment<T> Grad, ArraySegment<T> ExpAvg,
        ArraySegment<T> ExpAvgSq, ArraySegment<T> MaxExpAvgSq, int Length);

    private readonly record struct Constants(double Beta1, double Beta2, double Eps, double WeightDecay, double Shrink,
        double BiasCorrection2Sqrt, double NegStepSize, bool Maximize, bool CoupledDecay, bool DecoupledDecay, bool Amsgrad);

    /// <summary>The constants rounded to the element type, as the op-by-op update rounded them.</summary>
    private readonly struct ElementConstants<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public ElementConstants(in Constants c)
        {
            Beta1 = T.CreateTruncating(c.Beta1);
            OneMinusBeta1 = T.CreateTruncating(1 - c.Beta1);
            Beta2 = T.CreateTruncating(c.Beta2);
            OneMinusBeta2 = T.CreateTruncating(1 - c.Beta2);
            WeightDecay = T.CreateTruncating(c.WeightDecay);
            Shrink = T.CreateTruncating(c.Shrink);
            BiasCorrection2Sqrt = T.CreateTruncating(c.BiasCorrection2Sqrt);
            Eps = T.CreateTruncating(c.Eps);
            NegStepSize = T.CreateTruncating(c.NegStepSize);
            Maximize = c.Maximize;
            CoupledDecay = c.CoupledDecay;
            DecoupledDecay = c.DecoupledDecay;
            Amsgrad = c.Amsgrad;
        }

        public T Beta1 { get; }
        public T OneMinusBeta1 { get; }
        public T Beta2 { get; }
        public T OneMinusBeta2 { get; }
        public T WeightDecay { get; }
        public T Shrink { get; }
        public T BiasCorrection2Sqrt { get; }
        public T Eps { get; }
        public T NegStepSize { get; }
        public bool Maximize { get; }
        public bool CoupledDecay { get; }
        public bool DecoupledDecay { get; }
        public bool Amsgrad { get; }
    }
}
