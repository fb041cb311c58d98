using Avalon.Autodiff;

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
            throw OpErrors.State(
                "clip_grad_norm", $"the total norm of order {normType} for gradients from `parameters` is non-finite ({total}), " +
                "so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, " +
                "set errorIfNonfinite: false.");

        double coefficient = Math.Min(maxNorm / (total + 1e-6), 1.0);
        using var noGrad = new NoGrad();
        foreach (Tensor g in grads) g.CopyFrom_(Check(g) * coefficient);
        return total;
    }

    /// <summary>Clamps every gradient element into [-<paramref name="clipValue"/>, <paramref name="clipValue"/>].</summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="clipValue">The largest allowed magnitude.</param>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var noGrad = new NoGrad();
        foreach (Tensor p in parameters)
        {
            if (p.Grad is null) continue;
            p.Grad.CopyFrom_(Check(p.Grad).Clamp(-clipValue, clipValue));
        }
    }

    /// <summary>The p-norm of one gradient, accumulated in double (through the primitives, on the gradient's device).</summary>
    private static double GradNorm(Tensor grad, double p)
    {
        Check(grad);
        if (grad.Numel == 0) return 0;
        using var noGrad = new NoGrad();
        if (double.IsPositiveInfinity(p)) return grad.Abs().Amax().Item();
        Tensor x = grad.To(DType.Float64);
        if (p == 2) return Math.Sqrt((x * x).Sum().Item());
        if (p == 1) return x.Abs().Sum().Item();
        if (double.IsNegativeInfinity(p)) return x.Abs().Amin().Item();
        if (p == 0) return x.Ne(0).To(DType.Float64).Sum().Item();
        return Math.Pow(x.Abs().Pow(p).Sum().Item(), 1 / p);
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

    private static Tensor Check(Tensor grad) =>
        grad.DType is DType.Float32 or DType.Float64 ? grad : throw Unsupported(grad);

    private static NotSupportedException Unsupported(Tensor grad) =>
        new($"clip_grad: gradients of dtype {grad.DType.Name()} are not supported; use float32 or float64 (gradient shape {grad.Shape}).");
}
