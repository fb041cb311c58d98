using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// A bilinear layer, y = x₁ᵀ A x₂ + b (PyTorch's <c>nn.Bilinear</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> inputs <c>[*, in1_features]</c> and <c>[*, in2_features]</c> with the same
/// leading dims; output <c>[*, out_features]</c>.</para>
/// <para><b>Initialisation</b> (as PyTorch): A and b ~ U(-1/√in1_features, 1/√in1_features).</para>
/// </remarks>
public class Bilinear : Module
{
    /// <summary>Creates the layer and initialises it with <see cref="ResetParameters"/>.</summary>
    /// <param name="in1Features">Size of each first input sample.</param>
    /// <param name="in2Features">Size of each second input sample.</param>
    /// <param name="outFeatures">Size of each output sample.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Bilinear(int in1Features, int in2Features, int outFeatures, bool bias = true, DType? dtype = null, Generator? generator = null)
    {
        if (in1Features < 0 || in2Features < 0 || outFeatures < 0)
            throw OpErrors.Argument("Bilinear", $"feature sizes must be non-negative, got {in1Features}, {in2Features}, {outFeatures}.");
        In1Features = in1Features;
        In2Features = in2Features;
        OutFeatures = outFeatures;
        var dt = dtype ?? Tensor.DefaultDType;
        Weight = Tensor.Zeros([outFeatures, in1Features, in2Features], dt).RequiresGrad_();
        Bias = bias ? Tensor.Zeros([outFeatures], dt).RequiresGrad_() : null;
        ResetParameters(generator);
    }

    /// <summary>Size of each first input sample.</summary>
    public int In1Features { get; }

    /// <summary>Size of each second input sample.</summary>
    public int In2Features { get; }

    /// <summary>Size of each output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight A, shape <c>[out_features, in1_features, in2_features]</c>.</summary>
    public Tensor Weight { get; set; }

    /// <summary>The bias b, shape <c>[out_features]</c>, or null when built with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; set; }

    /// <summary>Draws fresh parameters the way PyTorch does (see the class remarks).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        double bound = In1Features > 0 ? 1 / Math.Sqrt(In1Features) : 0;
        Init.Uniform_(Weight, -bound, bound, generator);
        if (Bias is not null) Init.Uniform_(Bias, -bound, bound, generator);
    }

    /// <summary>Not available: a bilinear layer takes two inputs; call <see cref="Forward(Tensor, Tensor)"/>.</summary>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("Bilinear takes two inputs: call Forward(input1, input2).");

    /// <summary>Applies the layer.</summary>
    /// <param name="input1">Shape <c>[*, in1_features]</c>.</param>
    /// <param name="input2">Shape <c>[*, in2_features]</c>.</param>
    /// <returns>Shape <c>[*, out_features]</c>.</returns>
    public Tensor Forward(Tensor input1, Tensor input2) => Bilinear(input1, input2, Weight, Bias);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture,
            $"in1_features={In1Features}, in2_features={In2Features}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")}");
}
