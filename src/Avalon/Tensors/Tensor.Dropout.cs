namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Dropout (<c>torch.nn.functional.dropout</c>): in training, zeroes each element with probability
    /// <paramref name="p"/> and scales the rest by 1/(1 - p); otherwise, or when p = 0, returns this tensor.
    /// </summary>
    /// <remarks>
    /// The mask is drawn eagerly from <paramref name="generator"/> (the default generator when null), so
    /// the same seed gives the same mask, and enters the computation as a constant: a traced tape is
    /// specialised to that draw. p = 1 gives zeros (x * 0, like PyTorch).
    /// </remarks>
    public Tensor Dropout(double p = 0.5, bool training = true, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentException($"dropout: probability has to be between 0 and 1, but got {p}.");
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"dropout: expected a floating-point tensor, got {DType.Name()}{Shape}. Convert with .To(DType.Float32).");
        if (!training || p == 0) return this;
        if (p == 1) return this * 0.0;
        var g = generator ?? Generator.Default;
        double scale = 1 / (1 - p);
        int n = Numel;
        Tensor mask;
        if (DType == DType.Float32)
        {
            var m = new float[n];
            for (int i = 0; i < n; i++) m[i] = g.NextDouble() < p ? 0f : (float)scale;
            mask = From(m, _shape.Length == 0 ? [1] : _shape).ReshapeNoGrad(_shape);
        }
        else
        {
            var m = new double[n];
            for (int i = 0; i < n; i++) m[i] = g.NextDouble() < p ? 0 : scale;
            mask = From(m, _shape.Length == 0 ? [1] : _shape).ReshapeNoGrad(_shape);
        }
        return this * mask;
    }
}
