using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Optim;

/// <summary>The CPU kernel of <c>sgd_update_</c> and <c>sgd_momentum_update_</c> (PyTorch's <c>_single_tensor_sgd</c>, op by op).</summary>
internal static class SgdKernel
{
    /// <summary>Updates inputs 0 (param) and, with momentum, 2 (momentum_buffer) in place.</summary>
    public static void Run(string op, bool hasMomentum, Tensor[] inputs, Attributes a)
    {
        var h = new Hyper(a.Double("lr"), hasMomentum ? a.Double("momentum") : 0, hasMomentum ? a.Double("dampening") : 0,
            a.Double("weight_decay"), hasMomentum && a.Bool("nesterov"), a.Bool("maximize"), hasMomentum && a.Bool("first_step"));
        Tensor param = inputs[0], grad = inputs[1];
        Tensor? buffer = hasMomentum ? inputs[2] : null;
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
