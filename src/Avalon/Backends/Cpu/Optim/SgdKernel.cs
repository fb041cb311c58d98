using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Optim;

/// <summary>The CPU kernel of <c>sgd_update_</c> and <c>sgd_momentum_update_</c> (PyTorch's <c>_single_tensor_sgd</c>, op by op).</summary>
internal static class SgdKernel
{
    /// <summary>Updates inputs 0 (param) and, with momentum, 2 (momentum_buffer) in place.</summary>
    public static void Run(string op, bool hasMomentum, Tensor[] inputs, Attributes a) =>
        RunOne(op, hasMomentum, inputs[0], inputs[1], hasMomentum ? inputs[2] : null, a.Double("lr"), a);

    /// <summary>
    /// The multi-tensor form (<c>multi_tensor_sgd_update_</c>, <c>multi_tensor_sgd_momentum_update_</c>):
    /// every parameter in turn through exactly the per-parameter update (bit for bit the same results),
    /// the learning rate read from the last input.
    /// </summary>
    public static void RunMulti(string op, bool hasMomentum, Tensor[] inputs, Attributes a)
    {
        int n = (inputs.Length - 1) / (hasMomentum ? 3 : 2);
        double lr = UpdateOperands.Scalar(inputs[^1]);
        for (int i = 0; i < n; i++) RunOne(op, hasMomentum, inputs[i], inputs[n + i], hasMomentum ? inputs[2 * n + i] : null, lr, a);
    }

    private static void RunOne(string op, bool hasMomentum, Tensor param, Tensor grad, Tensor? buffer, double lr, Attributes a)
    {
        var h = new Hyper(lr, hasMomentum ? a.Double("momentum") : 0, hasMomentum ? a.Double("dampening") : 0,
            a.Double("weight_decay"), hasMomentum && a.Bool("nesterov"), a.Bool("maximize"), hasMomentum && a.Bool("first_step"));
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (param.DType == DType.Float32)
            Update(UpdateOperands.Written<float>(op, "param", param), UpdateOperands.Read<float>(grad),
                buffer is null ? default : UpdateOperands.Written<float>(op, "momentum_buffer", buffer), h);
        else
            Update(UpdateOperands.Written<double>(op, "param", param), UpdateOperands.Read<double>(grad),
                buffer is null ? default : UpdateOperands.Written<double>(op, "momentum_buffer", buffer), h);
    }

    private static void Update<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> buffer, in Hyper h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scratch = new ScratchBuffer<T>(param.Length);
        Span<T> d = scratch.Span;
        if (h.Maximize) TensorPrimitives.Negate(grad, d);
        else grad.CopyTo(d);
        if (h.WeightDecay != 0) TensorPrimitives.FusedMultiplyAdd(param, T.CreateTruncating(h.WeightDecay), d, d);

        ReadOnlySpan<T> direction = d;
        if (h.Momentum != 0)
        {
            if (h.FirstStep)
            {
                d.CopyTo(buffer);
            }
            else
            {
                TensorPrimitives.Multiply(buffer, T.CreateTruncating(h.Momentum), buffer);
                TensorPrimitives.FusedMultiplyAdd(d, T.CreateTruncating(1 - h.Dampening), buffer, buffer);
            }
            if (h.Nesterov) TensorPrimitives.FusedMultiplyAdd(buffer, T.CreateTruncating(h.Momentum), d, d);
            else direction = buffer;
        }
        TensorPrimitives.FusedMultiplyAdd(direction, T.CreateTruncating(-h.Lr), param, param);
    }

    private readonly record struct Hyper(double Lr, double Momentum, double Dampening, double WeightDecay,
        bool Nesterov, bool Maximize, bool FirstStep);
}
