namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>How the values of a sample input are drawn.</summary>
internal enum InputKind
{
    /// <summary>Standard normal, floating point.</summary>
    Normal,

    /// <summary>Uniform in [Low, High), floating point.</summary>
    Uniform,

    /// <summary>−1 or +1 with equal probability, floating point (ranking and embedding targets).</summary>
    Sign,

    /// <summary>Integers in [0, High), int64 (class indices, embedding rows).</summary>
    Index,
}

/// <summary>One input of a sample: its shape, how its values are drawn, and whether it is differentiated.</summary>
internal sealed record InputSpec(int[] Shape, InputKind Kind, double Low = 0, double High = 1, bool Differentiable = true)
{
    /// <summary>Standard normal values.</summary>
    public static InputSpec Normal(params int[] shape) => new(shape, InputKind.Normal);

    /// <summary>Uniform values in [low, high).</summary>
    public static InputSpec Uniform(double low, double high, params int[] shape) => new(shape, InputKind.Uniform, low, high);

    /// <summary>±1 values, not differentiated.</summary>
    public static InputSpec Sign(params int[] shape) => new(shape, InputKind.Sign, Differentiable: false);

    /// <summary>int64 indices in [0, high).</summary>
    public static InputSpec Index(int high, params int[] shape) => new(shape, InputKind.Index, 0, high, Differentiable: false);

    /// <summary>This input as a target: it is fed to the module but not differentiated.</summary>
    public InputSpec Target() => this with { Differentiable = false };

    /// <summary>Whether the input is floating point (and so follows the module's dtype).</summary>
    public bool IsFloat => Kind != InputKind.Index;

    /// <summary>Draws the input from <paramref name="generator"/>; floating-point inputs get <paramref name="dtype"/>.</summary>
    /// <remarks>Values are drawn in double precision and then cast, so float32 and float64 samples hold the same
    /// numbers. The data is reshaped rather than passed with its shape, because <c>Tensor.From(data, shape)</c>
    /// reads an empty shape as 1-D and a sample may be a 0-d tensor.</remarks>
    public Tensor Create(Generator generator, DType dtype)
    {
        int n = 1;
        foreach (int d in Shape) n *= d;
        if (Kind == InputKind.Index)
        {
            var indices = new long[n];
            for (int i = 0; i < n; i++) indices[i] = generator.NextInt64(0, (long)High);
            return Tensor.From(indices).Reshape(Shape);
        }
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = Kind switch
            {
                InputKind.Normal => generator.NextNormal(),
                InputKind.Uniform => Low + (High - Low) * generator.NextDouble(),
                _ => generator.NextDouble() < 0.5 ? -1.0 : 1.0,
            };
        }
        var t = Tensor.From(values).Reshape(Shape);
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind}[{string.Join(", ", Shape)}]{(IsFloat && !Differentiable ? " (target)" : "")}";
}
