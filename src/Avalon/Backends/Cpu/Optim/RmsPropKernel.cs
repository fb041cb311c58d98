using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Optim;

/// <summary>The CPU kernel of the <c>rmsprop_*update_</c> primitives (PyTorch's <c>_single_tensor_rmsprop</c>, op by op).</summary>
internal static class RmsPropKernel
{
    /// <summary>Updates param, square_avg and the optional momentum_buffer and grad_avg (in that input order) in place.</summary>
    public static void Run(string op, bool hasMomentum, bool centered, Tensor[] inputs, Attributes a)
    {
        var h = new Hyper(a.Double("lr"), a.Double("alpha"), a.Double("eps"), a.Double("weight_decay"),
            hasMomentum ? a.Double("momentum") : 0, centered, a.Bool("maximize"));
        int next = 3;
        Tensor? buffer = hasMomentum ? inputs[next++] : null;
        Tensor? gradAvg = centered ? inputs[next] : null;
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (inputs[0].DType == DType.Float32)
            Update(UpdateOperands.Written<float>(op, "param", inputs[0]), UpdateOperands.Read<float>(inputs[1]),
                UpdateOperands.Written<float>(op, "square_avg", inputs[2]),
                buffer is null ? default : UpdateOperands.Written<float>(op, "momentum_buffer", buffer),
                gradAvg is null ? default : UpdateOperands.Written<float>(op, "grad_avg", gradAvg), h);
        else
            Update(UpdateOperands.Written<double>(op, "param", inputs[0]), UpdateOperands.Read<double>(inputs[1]),
                UpdateOperands.Written<double>(op, "square_avg", inputs[2]),
                buffer is null ? default : UpdateOperands.Written<double>(op, "momentum_buffer", buffer),
                gradAvg is null ? default : UpdateOperands.Written<double>(op, "grad_avg", gradAvg), h);
    }

    private static void Update<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> squareAvg, Span<T> buffer,
        Span<T> gradAvg, in Hyper h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var gradScratch = new ScratchBuffer<T>(param.Length);
        using var avgScratch = new ScratchBuffer<T>(param.Length);
        Span<T> avg = avgScratch.Span;

        ReadOnlySpan<T> g = grad;
        if (h.Maximize || h.WeightDecay != 0)
        {
            Span<T> adjusted = gradScratch.Span;
            if (h.Maximize) TensorPrimitives.Negate(grad, adjusted);
            else grad.CopyTo(adjusted);
            if (h.WeightDecay != 0) TensorPrimitives.FusedMultiplyAdd(param, T.CreateTruncating(h.WeightDecay), adjusted, adjusted);
            g = adjusted;
        }

        TensorPrimitives.Multiply(squareAvg, T.CreateTruncating(h.Alpha), squareAvg);
        TensorPrimitives.Multiply(g, g, avg);
        TensorPrimitives.FusedMultiplyAdd(avg, T.CreateTruncating(1 - h.Alpha), squareAvg, squareAvg);

        if (h.Centered)
        {
            TensorPrimitives.Multiply(gradAvg, T.CreateTruncating(h.Alpha), gradAvg);
            TensorPrimitives.FusedMultiplyAdd(g, T.CreateTruncating(1 - h.Alpha), gradAvg, gradAvg);
            // avg = sqrt(square_avg - grad_avg²)
            TensorPrimitives.Multiply(gradAvg, gradAvg, avg);
            TensorPrimitives.Subtract(squareAvg, avg, avg);
            TensorPrimitives.Sqrt(avg, avg);
        }
        else
        {
            TensorPrimitives.Sqrt(squareAvg, avg);
        }
        TensorPrimitives.Add(avg, T.CreateTruncating(h.Eps), avg);

        if (h.Momentum > 0)
        {
            // b = momentum·b + g / avg; θ -= lr·b
            TensorPrimitives.Divide(g, avg, avg);
            TensorPrimitives.Multiply(buffer, T.CreateTruncating(h.Momentum), buffer);
            TensorPrimitives.Add(buffer, avg, buffer);
            TensorPrimitives.FusedMultiplyAdd(buffer, T.CreateTruncating(-h.Lr), param, param);
        }
        else
        {
            TensorPrimitives.Divide(g, avg, avg);
            TensorPrimitives.FusedMultiplyAdd(avg, T.CreateTruncating(-h.Lr), param, param);
        }
    }

    private readonly record struct Hyper(double Lr, double Alpha, double Eps, double WeightDecay, double Momentum,
        bool Centered, bool Maximize);
}
