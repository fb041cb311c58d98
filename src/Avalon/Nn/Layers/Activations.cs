using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>Applies max(x, 0) elementwise (PyTorch's <c>nn.ReLU</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class ReLU : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Relu"/>.</summary>
    public override Tensor Forward(Tensor input) => Relu(input);
}

/// <summary>Applies min(max(x, 0), 6) elementwise (PyTorch's <c>nn.ReLU6</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class ReLU6 : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Relu6"/>.</summary>
    public override Tensor Forward(Tensor input) => Relu6(input);
}

/// <summary>Applies the scaled exponential linear unit elementwise (PyTorch's <c>nn.SELU</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class SELU : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Selu"/>.</summary>
    public override Tensor Forward(Tensor input) => Selu(input);
}

/// <summary>Applies x·sigmoid(x) elementwise (PyTorch's <c>nn.SiLU</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class SiLU : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Silu"/>.</summary>
    public override Tensor Forward(Tensor input) => Silu(input);
}

/// <summary>Applies x·tanh(softplus(x)) elementwise (PyTorch's <c>nn.Mish</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Mish : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Mish"/>.</summary>
    public override Tensor Forward(Tensor input) => Mish(input);
}

/// <summary>Applies 1 / (1 + exp(−x)) elementwise (PyTorch's <c>nn.Sigmoid</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Sigmoid : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Sigmoid"/>.</summary>
    public override Tensor Forward(Tensor input) => Sigmoid(input);
}

/// <summary>Applies log(sigmoid(x)) elementwise, computed stably (PyTorch's <c>nn.LogSigmoid</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class LogSigmoid : Module
{
    /// <summary>Applies the function; see <see cref="Functional.LogSigmoid"/>.</summary>
    public override Tensor Forward(Tensor input) => LogSigmoid(input);
}

/// <summary>Applies tanh(x) elementwise (PyTorch's <c>nn.Tanh</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Tanh : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Tanh"/>.</summary>
    public override Tensor Forward(Tensor input) => Tanh(input);
}

/// <summary>Applies relu6(x + 3) / 6 elementwise (PyTorch's <c>nn.Hardsigmoid</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Hardsigmoid : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Hardsigmoid"/>.</summary>
    public override Tensor Forward(Tensor input) => Hardsigmoid(input);
}

/// <summary>Applies x·relu6(x + 3) / 6 elementwise (PyTorch's <c>nn.Hardswish</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Hardswish : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Hardswish"/>.</summary>
    public override Tensor Forward(Tensor input) => Hardswish(input);
}

/// <summary>Applies x / (1 + |x|) elementwise (PyTorch's <c>nn.Softsign</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Softsign : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Softsign"/>.</summary>
    public override Tensor Forward(Tensor input) => Softsign(input);
}

/// <summary>Applies x − tanh(x) elementwise (PyTorch's <c>nn.Tanhshrink</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Tanhshrink : Module
{
    /// <summary>Applies the function; see <see cref="Functional.Tanhshrink"/>.</summary>
    public override Tensor Forward(Tensor input) => Tanhshrink(input);
}

/// <summary>x where x &gt; 0, else negative_slope·x (PyTorch's <c>nn.LeakyReLU</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class LeakyReLU : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="negativeSlope">The slope for negative inputs (default 0.01).</param>
    public LeakyReLU(double negativeSlope = 0.01) => NegativeSlope = negativeSlope;

    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; }

    /// <summary>Applies the function; see <see cref="Functional.LeakyRelu"/>.</summary>
    public override Tensor Forward(Tensor input) => LeakyRelu(input, NegativeSlope);

    /// <inheritdoc />
    public override string ExtraRepr() => "negative_slope=" + PyFormat.Float(NegativeSlope);
}

/// <summary>x where x &gt; 0, else α·(exp(x) − 1) (PyTorch's <c>nn.ELU</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class ELU : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="alpha">α (default 1).</param>
    public ELU(double alpha = 1.0) => Alpha = alpha;

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>Applies the function; see <see cref="Functional.Elu"/>.</summary>
    public override Tensor Forward(Tensor input) => Elu(input, Alpha);

    /// <inheritdoc />
    public override string ExtraRepr() => "alpha=" + PyFormat.Float(Alpha);
}

/// <summary>max(0, x) + min(0, α·(exp(x/α) − 1)) (PyTorch's <c>nn.CELU</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class CELU : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="alpha">α (default 1); must not be 0.</param>
    public CELU(double alpha = 1.0)
    {
        if (alpha == 0) throw OpErrors.Argument("CELU", "alpha must not be 0.", nameof(alpha));
        Alpha = alpha;
    }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <summary>Applies the function; see <see cref="Functional.Celu"/>.</summary>
    public override Tensor Forward(Tensor input) => Celu(input, Alpha);

    /// <inheritdoc />
    public override string ExtraRepr() => "alpha=" + PyFormat.Float(Alpha);
}

/// <summary>The Gaussian error linear unit x·Φ(x) (PyTorch's <c>nn.GELU</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class GELU : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="approximate">"none" (default, exact through erf) or "tanh".</param>
    public GELU(string approximate = "none")
    {
        if (approximate is not ("none" or "tanh"))
            throw OpErrors.Argument("GELU", $"approximate must be \"none\" or \"tanh\", got \"{approximate}\".", nameof(approximate));
        Approximate = approximate;
    }

    /// <summary>"none" or "tanh".</summary>
    public string Approximate { get; }

    /// <summary>Applies the function; see <see cref="Functional.Gelu"/>.</summary>
    public override Tensor Forward(Tensor input) => Gelu(input, Approximate);

    /// <inheritdoc />
    public override string ExtraRepr() => $"approximate='{Approximate}'";
}

/// <summary>x clamped to [min_val, max_val] (PyTorch's <c>nn.Hardtanh</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Hardtanh : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="minVal">Lower bound (default −1).</param>
    /// <param name="maxVal">Upper bound (default 1); must not be below <paramref name="minVal"/>.</param>
    public Hardtanh(double minVal = -1.0, double maxVal = 1.0)
    {
        if (maxVal < minVal)
            throw OpErrors.Argument("Hardtanh", $"max_val ({maxVal}) cannot be less than min_val ({minVal}).", nameof(maxVal));
        MinVal = minVal;
        MaxVal = maxVal;
    }

    /// <summary>Lower bound.</summary>
    public double MinVal { get; }

    /// <summary>Upper bound.</summary>
    public double MaxVal { get; }

    /// <summary>Applies the function; see <see cref="Functional.Hardtanh"/>.</summary>
    public override Tensor Forward(Tensor input) => Hardtanh(input, MinVal, MaxVal);

    /// <inheritdoc />
    public override string ExtraRepr() => $"min_val={PyFormat.Float(MinVal)}, max_val={PyFormat.Float(MaxVal)}";
}

/// <summary>log(1 + exp(β·x)) / β, linear above the threshold (PyTorch's <c>nn.Softplus</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Softplus : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="beta">β (default 1).</param>
    /// <param name="threshold">Above β·x = threshold the function is linear (default 20).</param>
    public Softplus(double beta = 1.0, double threshold = 20.0)
    {
        Beta = beta;
        Threshold = threshold;
    }

    /// <summary>β.</summary>
    public double Beta { get; }

    /// <summary>The threshold of the linear region.</summary>
    public double Threshold { get; }

    /// <summary>Applies the function; see <see cref="Functional.Softplus"/>.</summary>
    public override Tensor Forward(Tensor input) => Softplus(input, Beta, Threshold);

    // PyTorch declares both as ints (defaults 1 and 20), so its repr prints whole values without ".0".
    /// <inheritdoc />
    public override string ExtraRepr() => $"beta={PyFormat.Number(Beta)}, threshold={PyFormat.Number(Threshold)}";
}

/// <summary>x where x &gt; threshold, else value (PyTorch's <c>nn.Threshold</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Threshold : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="threshold">The value to threshold at.</param>
    /// <param name="value">The value that replaces inputs at or below the threshold.</param>
    public Threshold(double threshold, double value)
    {
        ThresholdValue = threshold;
        Value = value;
    }

    /// <summary>The value to threshold at.</summary>
    public double ThresholdValue { get; }

    /// <summary>The value that replaces inputs at or below the threshold.</summary>
    public double Value { get; }

    /// <summary>Applies the function; see <see cref="Functional.Threshold"/>.</summary>
    public override Tensor Forward(Tensor input) => Functional.Threshold(input, ThresholdValue, Value);

    /// <inheritdoc />
    public override string ExtraRepr() => $"threshold={PyFormat.Float(ThresholdValue)}, value={PyFormat.Float(Value)}";
}

/// <summary>x where |x| &gt; λ, else 0 (PyTorch's <c>nn.Hardshrink</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Hardshrink : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="lambd">λ (default 0.5).</param>
    public Hardshrink(double lambd = 0.5) => Lambd = lambd;

    /// <summary>λ.</summary>
    public double Lambd { get; }

    /// <summary>Applies the function; see <see cref="Functional.Hardshrink"/>.</summary>
    public override Tensor Forward(Tensor input) => Hardshrink(input, Lambd);

    /// <inheritdoc />
    public override string ExtraRepr() => PyFormat.Float(Lambd);
}

/// <summary>x − λ where x &gt; λ, x + λ where x &lt; −λ, else 0 (PyTorch's <c>nn.Softshrink</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Softshrink : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="lambd">λ ≥ 0 (default 0.5).</param>
    public Softshrink(double lambd = 0.5)
    {
        if (lambd < 0) throw OpErrors.Argument("Softshrink", $"lambda must be greater or equal to 0, got {lambd}.", nameof(lambd));
        Lambd = lambd;
    }

    /// <summary>λ.</summary>
    public double Lambd { get; }

    /// <summary>Applies the function; see <see cref="Functional.Softshrink"/>.</summary>
    public override Tensor Forward(Tensor input) => Softshrink(input, Lambd);

    /// <inheritdoc />
    public override string ExtraRepr() => PyFormat.Float(Lambd);
}

/// <summary>
/// Softmax along a dim (PyTorch's <c>nn.Softmax</c>): the outputs along <see cref="Dim"/> are positive
/// and sum to 1.
/// </summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Softmax : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dim to normalise over. Null keeps PyTorch's legacy choice: dim 0 for inputs of rank 0, 1 or 3, else dim 1.</param>
    public Softmax(int? dim = null) => Dim = dim;

    /// <summary>The dim to normalise over, or null for the legacy choice.</summary>
    public int? Dim { get; }

    /// <summary>Applies softmax; see <see cref="Functional.Softmax"/>.</summary>
    public override Tensor Forward(Tensor input) => Softmax(input, SoftmaxDims.Resolve(Dim, input));

    /// <inheritdoc />
    public override string ExtraRepr() => "dim=" + (Dim?.ToString(CultureInfo.InvariantCulture) ?? "None");
}

/// <summary>log_softmax along a dim (PyTorch's <c>nn.LogSoftmax</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class LogSoftmax : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dim to normalise over. Null keeps PyTorch's legacy choice: dim 0 for inputs of rank 0, 1 or 3, else dim 1.</param>
    public LogSoftmax(int? dim = null) => Dim = dim;

    /// <summary>The dim to normalise over, or null for the legacy choice.</summary>
    public int? Dim { get; }

    /// <summary>Applies log_softmax; see <see cref="Functional.LogSoftmax"/>.</summary>
    public override Tensor Forward(Tensor input) => LogSoftmax(input, SoftmaxDims.Resolve(Dim, input));

    /// <inheritdoc />
    public override string ExtraRepr() => "dim=" + (Dim?.ToString(CultureInfo.InvariantCulture) ?? "None");
}

/// <summary>softmax(−x) along a dim (PyTorch's <c>nn.Softmin</c>).</summary>
/// <remarks><b>Shape:</b> any; output has the input's shape.</remarks>
public class Softmin : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dim to normalise over. Null keeps PyTorch's legacy choice: dim 0 for inputs of rank 0, 1 or 3, else dim 1.</param>
    public Softmin(int? dim = null) => Dim = dim;

    /// <summary>The dim to normalise over, or null for the legacy choice.</summary>
    public int? Dim { get; }

    /// <summary>Applies softmin; see <see cref="Functional.Softmin"/>.</summary>
    public override Tensor Forward(Tensor input) => Softmin(input, SoftmaxDims.Resolve(Dim, input));

    /// <inheritdoc />
    public override string ExtraRepr() => "dim=" + (Dim?.ToString(CultureInfo.InvariantCulture) ?? "None");
}

/// <summary>The gated linear unit a·sigmoid(b) over the two halves of a dim (PyTorch's <c>nn.GLU</c>).</summary>
/// <remarks><b>Shape:</b> input <c>[*, 2n, *]</c>; output <c>[*, n, *]</c>.</remarks>
public class GLU : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dim that is halved (default −1).</param>
    public GLU(int dim = -1) => Dim = dim;

    /// <summary>The dim that is halved.</summary>
    public int Dim { get; }

    /// <summary>Applies the function; see <see cref="Functional.Glu"/>.</summary>
    public override Tensor Forward(Tensor input) => Glu(input, Dim);

    /// <inheritdoc />
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"dim={Dim}");
}

/// <summary>
/// x where x &gt; 0, else a·x with a learned slope a, shared or one per channel (PyTorch's
/// <c>nn.PReLU</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> any; the channel dim is dim 1 (dim 0 for 1-D inputs) and must have
/// <c>num_parameters</c> entries unless that is 1. Output has the input's shape.</para>
/// <para><b>Initialisation</b> (as PyTorch): every slope is <c>init</c> (0.25).</para>
/// </remarks>
public class PReLU : Module
{
    private readonly double _init;

    /// <summary>Creates the layer.</summary>
    /// <param name="numParameters">1 (one shared slope, default) or the number of channels.</param>
    /// <param name="init">The initial slope (default 0.25).</param>
    /// <param name="dtype">The parameter's dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public PReLU(int numParameters = 1, double init = 0.25, DType? dtype = null)
    {
        if (numParameters < 1) throw OpErrors.Argument("PReLU", $"num_parameters must be at least 1, got {numParameters}.", nameof(numParameters));
        NumParameters = numParameters;
        _init = init;
        Weight = Tensor.Full([numParameters], init, dtype ?? Tensor.DefaultDType).RequiresGrad_();
    }

    /// <summary>The number of slopes.</summary>
    public int NumParameters { get; }

    /// <summary>The slopes, shape <c>[num_parameters]</c>.</summary>
    public Tensor Weight { get; set; }

    /// <summary>Sets every slope back to the initial value.</summary>
    public void ResetParameters() => Init.Constant_(Weight, _init);

    /// <summary>Applies the function; see <see cref="Functional.PRelu"/>.</summary>
    public override Tensor Forward(Tensor input) => PRelu(input, Weight);

    /// <inheritdoc />
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"num_parameters={NumParameters}");
}

// PyTorch's legacy implicit softmax dim (torch.nn.functional._get_softmax_dim).
file static class SoftmaxDims
{
    public static int Resolve(int? dim, Tensor input) => dim ?? (input.Rank is 0 or 1 or 3 ? 0 : 1);
}

// Numbers as Python's repr prints them, for reprs that match PyTorch's.
file static class PyFormat
{
    // A float: "1.0", "0.01", "1e-07", "-2.0".
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == Math.Floor(value) && Math.Abs(value) < 1e16) return value.ToString("0", CultureInfo.InvariantCulture) + ".0";
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E');
        if (e < 0) return text;
        // C# writes 1E-07 / 1E+16; Python writes 1e-07 / 1e+16 (at least two exponent digits).
        string mantissa = text[..e], exponent = text[(e + 1)..];
        char sign = exponent[0] is '-' or '+' ? exponent[0] : '+';
        string digits = exponent.TrimStart('-', '+');
        return mantissa + "e" + sign + digits.PadLeft(2, '0');
    }

    // An int-typed argument: whole values print without a fraction.
    public static string Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e16 ? value.ToString("0", CultureInfo.InvariantCulture) : Float(value);
}
