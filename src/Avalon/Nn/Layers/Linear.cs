using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// A fully connected layer, y = x Wᵀ + b (PyTorch's <c>nn.Linear</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[*, in_features]</c> (any leading dims, or none); output
/// <c>[*, out_features]</c>.</para>
/// <para><b>Initialisation</b> (as PyTorch): W ~ U(-1/√in_features, 1/√in_features) via
/// Kaiming-uniform with a = √5, and the same range for b.</para>
/// </remarks>
public class Linear : Module
{
    /// <summary>Creates the layer and initialises it with <see cref="ResetParameters"/>.</summary>
    /// <param name="inFeatures">Size of each input sample.</param>
    /// <param name="outFeatures">Size of each output sample.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType? dtype = null, Generator? generator = null)
    {
        if (inFeatures < 0 || outFeatures < 0)
            throw OpErrors.Argument("Linear", $"in_features and out_features must be non-negative, got {inFeatures} and {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var dt = dtype ?? Tensor.DefaultDType;
        Weight = Tensor.Zeros([outFeatures, inFeatures], dt).RequiresGrad_();
        Bias = bias ? Tensor.Zeros([outFeatures], dt).RequiresGrad_() : null;
        ResetParameters(generator);
    }

    /// <summary>Size of each input sample.</summary>
    public int InFeatures { get; }

    /// <summary>Size of each output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight W, shape <c>[out_features, in_features]</c>.</summary>
    public Tensor Weight { get; set; }

    /// <summary>The bias b, shape <c>[out_features]</c>, or null when built with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; set; }

    /// <summary>Draws fresh parameters the way PyTorch does (see the class remarks).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        // Kaiming-uniform with a = √5 gives U(-1/√fan_in, 1/√fan_in), PyTorch's long-standing default.
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5), generator: generator);
        if (Bias is not null)
        {
            double bound = InFeatures > 0 ? 1 / Math.Sqrt(InFeatures) : 0;
            Init.Uniform_(Bias, -bound, bound, generator);
        }
    }

    /// <summary>Applies the layer.</summary>
    /// <param name="input">Shape <c>[*, in_features]</c>.</param>
    /// <returns>Shape <c>[*, out_features]</c>.</returns>
    public override Tensor Forward(Tensor input) => Linear(input, Weight, Bias);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")}");
}
