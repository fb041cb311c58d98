using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Optim;

/// <summary>The CPU kernel of <c>adagrad_update_</c> (PyTorch's <c>_single_tensor_adagrad</c>, dense gradients, op by op).</summary>
internal static class AdagradKernel
{
    /// <summary>Updates inputs 0 (param) and 2 (sum) in place; input 3 is the step count t.</summary>
    public static void Run(string op, Tensor[] inputs, Attributes a)
    {
        double step = UpdateOperands.Scalar(inputs[3]);
        double clr = a.Double("lr") / (1 + (step - 1) * a.Double("lr_decay"));
        double eps = a.Double("eps"), weightDecay = a.Double("weight_decay");
        bool maximize = a.Bool("maximize");
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (inputs[0].DType == DType.Float32)
            Update(UpdateOperands.Written<float>(op, "param", inputs[0]), UpdateOperands.Read<float>(inputs[1]),
                UpdateOperands.Written<float>(op, "sum", inputs[2]), clr, eps, weightDecay, maximize);
        else
            Update(UpdateOperands.Written<double>(op, "param", inputs[0]), UpdateOperands.Read<double>(inputs[1]),
                UpdateOperands.Written<double>(op, "sum", inputs[2]), clr, eps, weightDecay, maximize);
    }

    private static void Update<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> sum, double clr, double eps,
        double weightDecay, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var gradScratch = new ScratchBuffer<T>(param.Length);
        using var stdScratch = new ScratchBuffer<T>(param.Length);
        Span<T> std = stdScratch.Span;

        ReadOnlySpan<T> g = grad;
        if (maximize || weightDecay != 0)
        {
            Span<T> adjusted = gradScratch.Span;
            if (maximize) TensorPrimitives.Negate(grad, adjusted);
            else grad.CopyTo(adjusted);
            if (weightDecay != 0) TensorPrimitives.FusedMultiplyAdd(param, T.CreateTruncating(weightDecay), adjusted, adjusted);
            g = adjusted;
        }

        TensorPrimitives.Multiply(g, g, std);
        TensorPrimitives.Add(sum, std, sum);
        TensorPrimitives.Sqrt(sum, std);
        TensorPrimitives.Add(std, T.CreateTruncating(eps), std);
        TensorPrimitives.Divide(g, std, std);
        TensorPrimitives.FusedMultiplyAdd(std, T.CreateTruncating(-clr), param, param);
    }
}
