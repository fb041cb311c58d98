namespace Avalon.Nn;

/// <summary>
/// Randomly zeroes elements with probability <see cref="P"/> in training mode and scales the rest by
/// 1/(1-p); the identity in evaluation mode (<c>torch.nn.Dropout</c>).
/// </summary>
/// <remarks>Shape: any; the output has the input's shape.</remarks>
public class Dropout : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">Probability of zeroing an element.</param>
    /// <param name="generator">Source of the masks (the default generator when null): the same seed gives the same masks.</param>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), $"{GetType().Name}: dropout probability has to be between 0 and 1, but got {p}.");
        P = p;
        Generator = generator;
    }

    /// <summary>Probability of zeroing.</summary>
    public double P { get; }

    /// <summary>The generator masks are drawn from (null: <see cref="Avalon.Generator.Default"/>).</summary>
    [Ignore]
    public Generator? Generator { get; set; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, Generator);

    /// <inheritdoc />
    public override string ExtraRepr() => $"p={PythonRepr.Float(P)}, inplace=False";
}

/// <summary>Zeroes whole channels of (N, C, H, W) or (C, H, W) input in training mode (<c>torch.nn.Dropout2d</c>).</summary>
public sealed class Dropout2d(double p = 0.5, Generator? generator = null) : Dropout(p, generator)
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Dropout2d(input, P, Training, Generator);
}

/// <summary>Zeroes whole channels of (N, C, L) or (C, L) input in training mode (<c>torch.nn.Dropout1d</c>).</summary>
public sealed class Dropout1d(double p = 0.5, Generator? generator = null) : Dropout(p, generator)
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Dropout1d(input, P, Training, Generator);
}
