using Avalon.Backends.Cpu;
using System.Numerics;
using System.Numerics.Tensors;

namespace Avalon.Optim;

/// <summary>
/// Gradient clipping (PyTorch's <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>):
/// both change the <see cref="Tensor.Grad"/> of the given parameters in place and skip parameters
/// without a gradient.
/// </summary>
public static class ClipGrad
{
    /// <summary>
    /// Scales the gradients so that their joint norm (as if concatenated into one vector) is at most
    /// <paramref name="maxNorm"/>: each gradient is multiplied by min(1, maxNorm / (norm + 1e-6)).
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest allowed norm.</param>
    /// <param name="normType">The p of the p-norm; <see cref="double.PositiveInfinity"/> for the largest magnitude.</param>
    /// <param name="errorIfNonfinite">Throw when the total norm is NaN or infinite instead of scaling by it.</param>
    /// <returns>The total norm of the gradients before clipping (0 when no parameter has a gradient).</returns>
    /// <exception cref="InvalidOperationException">The norm is not finite and <paramref name="errorIfNonfinite"/> is set.</exception>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2,
        bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var grads = new List<Tensor>();
        foreach (Tensor p in parameters)
            if (p.Grad is not null) grads.Add(p.Grad);
        if (grads.Count == 0) return 0;

        // Like PyTorch: the norm of the vector of per-gradient norms.
        var norms = new double[grads.Count];
        for (int i = 0; i < norms.Length; i++) norms[i] = GradNorm(grads[i], normType);
        double total = PNorm(norms, normType);

        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException(
                $"clip_grad_norm: the total norm of order {normType} for gradients from `parameters` is non-finite ({total}), " +
                "so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, " +
                "set errorIfNonfinite: false.");

        double coefficient = Math.Min(maxNorm / (total + 1e-6), 1.0);
        foreach (Tensor g in grads)
            Transform(g, coefficient, static (span, c) => TensorPrimitives.Multiply(span, (float)c, span),
                static (span, c) => TensorPrimitives.Multiply(span, c, span));
        return total;
    }

    /// <summary>Clamps every gradient element into [-<paramref name="clipValue"/>, <paramref name="clipValue"/>].</summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="clipValue">The largest allowed magnitude.</param>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (Tensor p in parameters)
        {
            if (p.Grad is null) continue;
            Transform(p.Grad, clipValue, static (span, c) => Clamp(span, (float)c),
                static (span, c) => Clamp(span, c));
        }
    }

    private static double GradNorm(Tensor grad, double normType)
    {
        Tensor dense = grad.ContiguousNoGrad();
        return dense.DType switch
        {
            DType.Float32 => Norm<float>(dense.ContiguousSpan<float>(), normType),
            DType.Float64 => Norm<double>(dense.ContiguousSpan<double>(), normType),
            _ => throw Unsupported(grad),
        };
    }

    /// <summary>The p-norm of one gradient, accumulated in double.</summary>
    private static double Norm<T>(ReadOnlySpan<T> x, double p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return 0;
        if (double.IsPositiveInfinity(p))
        {
            double max = 0;
            foreach (T v in x) max = Math.Max(max, Math.Abs(double.CreateTruncating(v)));
            return max;
        }
        double sum = 0;
        if (p == 2)
        {
            foreach (T v in x)
            {
                double d = double.CreateTruncating(v);
                sum += d * d;
            }
            return Math.Sqrt(sum);
        }
        if (p == 1)
        {
            foreach (T v in x) sum += Math.Abs(double.CreateTruncating(v));
            return sum;
        }
        var values = new double[x.Length];
        for (int i = 0; i < values.Length; i++) values[i] = double.CreateTruncating(x[i]);
        return PNorm(values, p);
    }

    /// <summary>PyTorch's vector p-norm: +∞ is the largest magnitude, −∞ the smallest, 0 counts non-zeros (NaN propagates).</summary>
    private static double PNorm(ReadOnlySpan<double> x, double p)
    {
        if (double.IsPositiveInfinity(p))
        {
            double max = 0;
            foreach (double v in x) max = Math.Max(max, Math.Abs(v));
            return max;
        }
        if (double.IsNegativeInfinity(p))
        {
            double min = double.PositiveInfinity;
            foreach (double v in x) min = Math.Min(min, Math.Abs(v));
            return min;
        }
        double sum = 0;
        if (p == 0)
        {
            foreach (double v in x) sum += v != 0 ? 1 : 0;
            return sum;
        }
        foreach (double v in x) sum += Math.Pow(Math.Abs(v), p);
        return Math.Pow(sum, 1 / p);
    }

    private static void Clamp<T>(Span<T> x, T limit) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Min(x, limit, x);
        TensorPrimitives.Max(x, -limit, x);
    }

    /// <summary>Applies an in-place span operation to a gradient of any layout (strided ones through a dense copy).</summary>
    private static void Transform(Tensor grad, double value, Action<Span<float>, double> onFloat, Action<Span<double>, double> onDouble)
    {
        Tensor dense = grad.IsContiguous ? grad : grad.ContiguousCopy();
        switch (dense.DType)
        {
            case DType.Float32: onFloat(dense.ContiguousSpan<float>(), value); break;
            case DType.Float64: onDouble(dense.ContiguousSpan<double>(), value); break;
            default: throw Unsupported(grad);
        }
        if (!ReferenceEquals(dense, grad)) grad.Storage.Backend.Copy(dense, grad);
    }

    private static NotSupportedException Unsupported(Tensor grad) =>
        new($"clip_grad: gradients of dtype {grad.DType.Name()} are not supported; use float32 or float64 (gradient shape {grad.Shape}).");
}
