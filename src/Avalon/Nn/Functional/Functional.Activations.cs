namespace Avalon.Nn;

public static partial class Functional
{
    // PyTorch's SELU constants (Klambauer et al., "Self-Normalizing Neural Networks", 2017).
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>max(x, 0) elementwise (PyTorch's <c>F.relu</c>); the gradient at 0 is 0.</summary>
    public static Tensor Relu(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Relu();
    }

    /// <summary>min(max(x, 0), 6) elementwise (PyTorch's <c>F.relu6</c>, a <see cref="Hardtanh"/> on [0, 6]).</summary>
    public static Tensor Relu6(Tensor input) => Hardtanh(input, 0, 6);

    /// <summary>
    /// x where x &gt; 0, else <paramref name="negativeSlope"/>·x (PyTorch's <c>F.leaky_relu</c>).
    /// </summary>
    /// <param name="input">Any shape, floating point.</param>
    /// <param name="negativeSlope">The slope for negative inputs (default 0.01).</param>
    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01)
    {
        CheckFloat(input, "leaky_relu");
        return Tensor.Where(input > 0, input, input * negativeSlope);
    }

    /// <summary>
    /// x where x &gt; 0, else α·(exp(x) − 1) (PyTorch's <c>F.elu</c>).
    /// </summary>
    /// <param name="input">Any shape, floating point.</param>
    /// <param name="alpha">α (default 1).</param>
    public static Tensor Elu(Tensor input, double alpha = 1.0)
    {
        CheckFloat(input, "elu");
        return Tensor.Where(input > 0, input, NegativeExpm1(input, 1.0) * alpha);
    }

    /// <summary>
    /// scale·(x where x &gt; 0, else α·(exp(x) − 1)) with PyTorch's fixed α ≈ 1.6733 and scale ≈ 1.0507
    /// (<c>F.selu</c>).
    /// </summary>
    public static Tensor Selu(Tensor input)
    {
        CheckFloat(input, "selu");
        return Tensor.Where(input > 0, input * SeluScale, NegativeExpm1(input, 1.0) * (SeluAlpha * SeluScale));
    }

    /// <summary>
    /// max(0, x) + min(0, α·(exp(x/α) − 1)) (PyTorch's <c>F.celu</c>).
    /// </summary>
    /// <param name="input">Any shape, floating point.</param>
    /// <param name="alpha">α (default 1); must not be 0.</param>
    public static Tensor Celu(Tensor input, double alpha = 1.0)
    {
        CheckFloat(input, "celu");
        if (alpha == 0) throw OpErrors.Argument("celu", "alpha must not be 0 (the negative part divides by it).", nameof(alpha));
        return Tensor.Where(input > 0, input, NegativeExpm1(input, 1 / alpha) * alpha);
    }

    /// <summary>
    /// The Gaussian error linear unit x·Φ(x) (PyTorch's <c>F.gelu</c>): with <paramref name="approximate"/>
    /// "none" (default) Φ is computed exactly through erf; with "tanh" it is
    /// 0.5·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    /// </summary>
    /// <param name="input">Any shape, floating point.</param>
    /// <param name="approximate">"none" or "tanh".</param>
    public static Tensor Gelu(Tensor input, string approximate = "none")
    {
        CheckFloat(input, "gelu");
        switch (approximate)
        {
            case "none":
                return input * ((input * Math.Sqrt(0.5)).Erf() + 1) * 0.5;
            case "tanh":
                var inner = (input + input.Pow(3) * 0.044715) * Math.Sqrt(2 / Math.PI);
                return input * (inner.Tanh() + 1) * 0.5;
            default:
                throw OpErrors.Argument("gelu", $"approximate must be \"none\" or \"tanh\", got \"{approximate}\".", nameof(approximate));
        }
    }

    /// <summary>x·sigmoid(x), the sigmoid linear unit or swish (PyTorch's <c>F.silu</c>).</summary>
    public static Tensor Silu(Tensor input)
    {
        CheckFloat(input, "silu");
        return input * input.Sigmoid();
    }

    /// <summary>x·tanh(softplus(x)) (PyTorch's <c>F.mish</c>).</summary>
    public static Tensor Mish(Tensor input)
    {
        CheckFloat(input, "mish");
        return input * Softplus(input).Tanh();
    }

    /// <summary>1 / (1 + exp(−x)) elementwise (PyTorch's <c>torch.sigmoid</c>).</summary>
    public static Tensor Sigmoid(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Sigmoid();
    }

    /// <summary>
    /// log(sigmoid(x)), computed stably as min(x, 0) − log(1 + exp(−|x|)) the way PyTorch does
    /// (<c>F.logsigmoid</c>), so large negative inputs give x rather than −inf.
    /// </summary>
    public static Tensor LogSigmoid(Tensor input)
    {
        CheckFloat(input, "log_sigmoid");
        return input.ClampMax(0) - (-input.Abs()).Exp().Log1p();
    }

    /// <summary>tanh(x) elementwise (PyTorch's <c>torch.tanh</c>).</summary>
    public static Tensor Tanh(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Tanh();
    }

    /// <summary>
    /// x clamped to [<paramref name="minVal"/>, <paramref name="maxVal"/>] (PyTorch's <c>F.hardtanh</c>);
    /// like PyTorch, the gradient passes only strictly inside the interval.
    /// </summary>
    /// <param name="input">Any shape, floating point.</param>
    /// <param name="minVal">Lower bound (default −1).</param>
    /// <param name="maxVal">Upper bound (default 1); must not be below <paramref name="minVal"/>.</param>
    public static Tensor Hardtanh(Tensor input, double minVal = -1.0, double maxVal = 1.0)
    {
        CheckFloat(input, "hardtanh");
        if (maxVal < minVal)
            throw OpErrors.Argument("hardtanh", $"max_val ({maxVal}) cannot be less than min_val ({minVal}).", nameof(maxVal));
        return Tensor.Where(input <= minVal, minVal, Tensor.Where(input >= maxVal, maxVal, input));
    }

    /// <summary>relu6(x + 3) / 6 (PyTorch's <c>F.hardsigmoid</c>).</summary>
    public static Tensor Hardsigmoid(Tensor input)
    {
        CheckFloat(input, "hardsigmoid");
        return Hardtanh(input + 3, 0, 6) / 6;
    }

    /// <summary>x·relu6(x + 3) / 6 (PyTorch's <c>F.hardswish</c>).</summary>
    public static Tensor Hardswish(Tensor input)
    {
        CheckFloat(input, "hardswish");
        return input * Hardtanh(input + 3, 0, 6) / 6;
    }

    /// <summary>
    /// log(1 + exp(β·x)) / β (PyTorch's <c>F.softplus</c>); where β·x &gt; <paramref name="threshold"/> the
    /// result is x itself, as in PyTorch, which keeps it linear and overflow-free there.
    /// </summary>
    /// <param name="input">Any shape, floating point.</param>
    /// <param name="beta">β (default 1).</param>
    /// <param name="threshold">Above β·x = threshold the function is taken as linear (default 20).</param>
    public static Tensor Softplus(Tensor input, double beta = 1.0, double threshold = 20.0)
    {
        CheckFloat(input, "softplus");
        var scaled = input * beta;
        // The clamp keeps exp finite on the branch that is not taken, so its gradient stays 0, not NaN.
        var curved = scaled.ClampMax(threshold).Exp().Log1p() / beta;
        return Tensor.Where(scaled > threshold, input, curved);
    }

    /// <summary>x / (1 + |x|) (PyTorch's <c>F.softsign</c>).</summary>
    public static Tensor Softsign(Tensor input)
    {
        CheckFloat(input, "softsign");
        return input / (input.Abs() + 1);
    }

    /// <summary>softmax along <paramref name="dim"/> (PyTorch's <c>F.softmax</c>), one fused stable kernel.</summary>
    public static Tensor Softmax(Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Softmax(dim);
    }

    /// <summary>log_softmax along <paramref name="dim"/> (PyTorch's <c>F.log_softmax</c>), one fused stable kernel.</summary>
    public static Tensor LogSoftmax(Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LogSoftmax(dim);
    }

    /// <summary>softmax(−x) along <paramref name="dim"/> (PyTorch's <c>F.softmin</c>).</summary>
    public static Tensor Softmin(Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        return (-input).Softmax(dim);
    }

    /// <summary>
    /// The gated linear unit a·sigmoid(b), where a and b are the first and second halves of the input
    /// along <paramref name="dim"/> (PyTorch's <c>F.glu</c>).
    /// </summary>
    /// <param name="input">Shape <c>[*, 2n, *]</c> with an even size along <paramref name="dim"/>.</param>
    /// <param name="dim">The dim that is halved (default −1).</param>
    /// <returns>Shape <c>[*, n, *]</c>.</returns>
    public static Tensor Glu(Tensor input, int dim = -1)
    {
        CheckFloat(input, "glu");
        if (input.Rank == 0) throw OpErrors.Argument("glu", "does not support scalars because the halving size must be even.");
        if (dim < -input.Rank || dim >= input.Rank)
            throw OpErrors.Argument("glu", $"dim {dim} is out of range for an input of shape {input.Shape}.", nameof(dim));
        int size = input.Size(dim);
        if (size % 2 != 0)
            throw OpErrors.Argument("glu", $"halving dimension must be even, but dimension {dim} of shape {input.Shape} is size {size}.");
        return input.Narrow(dim, 0, size / 2) * input.Narrow(dim, size / 2, size / 2).Sigmoid();
    }

    /// <summary>
    /// x where x &gt; 0, else a·x with a learned slope a (PyTorch's <c>F.prelu</c>): a weight of one
    /// element is shared; a weight of C elements applies per channel (dim 1, or dim 0 for a 1-D input).
    /// </summary>
    /// <param name="input">Any shape, floating point.</param>
    /// <param name="weight">Shape <c>[1]</c> or <c>[C]</c>.</param>
    public static Tensor PRelu(Tensor input, Tensor weight)
    {
        CheckFloat(input, "prelu");
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.DType != input.DType)
            throw OpErrors.Argument("prelu", $"expected the weight to have the input's dtype {input.DType.Name()}, got {weight.DType.Name()}.");
        if (weight.Rank > 1)
            throw OpErrors.Argument("prelu", $"expected a weight of rank 0 or 1, got shape {weight.Shape}.");
        int count = weight.Numel;
        Tensor slope = weight;
        if (count != 1)
        {
            int channelDim = input.Rank >= 2 ? 1 : 0;
            if (input.Rank == 0 || input.Size(channelDim) != count)
                throw OpErrors.Argument(
                    "prelu", $"the weight has {count} elements, but the input of shape {input.Shape} has {(input.Rank == 0 ? 0 : input.Size(channelDim))} channels (dim {channelDim}); expected 1 or the channel count.");
            var shape = new int[input.Rank - channelDim];
            Array.Fill(shape, 1);
            shape[0] = count;
            slope = weight.Reshape(shape);
        }
        else if (weight.Rank == 1)
        {
            slope = weight.Reshape([]);
        }
        return Tensor.Where(input > 0, input, input * slope);
    }

    /// <summary>x where x &gt; <paramref name="threshold"/>, else <paramref name="value"/> (PyTorch's <c>F.threshold</c>).</summary>
    public static Tensor Threshold(Tensor input, double threshold, double value)
    {
        CheckFloat(input, "threshold");
        return Tensor.Where(input > threshold, input, value);
    }

    /// <summary>x where |x| &gt; λ, else 0 (PyTorch's <c>F.hardshrink</c>).</summary>
    public static Tensor Hardshrink(Tensor input, double lambd = 0.5)
    {
        CheckFloat(input, "hardshrink");
        return Tensor.Where((input > lambd) | (input < -lambd), input, 0.0);
    }

    /// <summary>x − λ where x &gt; λ, x + λ where x &lt; −λ, else 0 (PyTorch's <c>F.softshrink</c>).</summary>
    public static Tensor Softshrink(Tensor input, double lambd = 0.5)
    {
        CheckFloat(input, "softshrink");
        if (lambd < 0) throw OpErrors.Argument("softshrink", $"lambda must be greater or equal to 0, but found to be {lambd}.", nameof(lambd));
        return Tensor.Where(input > lambd, input - lambd, Tensor.Where(input < -lambd, input + lambd, 0.0));
    }

    /// <summary>x − tanh(x) (PyTorch's <c>F.tanhshrink</c>).</summary>
    public static Tensor Tanhshrink(Tensor input)
    {
        CheckFloat(input, "tanhshrink");
        return input - input.Tanh();
    }

    // expm1(k·min(x, 0)): the negative branch of ELU-like functions. Clamping first keeps exp finite where
    // the branch is not selected, so the gradient that Where sends there is 0·finite = 0, never NaN.
    private static Tensor NegativeExpm1(Tensor input, double k)
    {
        var negative = input.ClampMax(0);
        return (k == 1.0 ? negative : negative * k).Expm1();
    }

    private static void CheckFloat(Tensor input, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.DType.IsFloatingPoint())
            throw OpErrors.Argument(op, $"expected a floating-point input, got {input.DType.Name()}{input.Shape}. Convert with .To(DType.Float32).");
    }
}
