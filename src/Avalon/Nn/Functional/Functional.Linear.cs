namespace Avalon.Nn;

/// <summary>
/// The functional neural-network API (PyTorch's <c>torch.nn.functional</c>): stateless functions that
/// take every tensor, parameters included, as arguments. Modules' <c>Forward</c> methods delegate here.
/// Bring them into scope with <c>using static Avalon.Nn.Functional;</c>.
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// y = x Wᵀ + b (PyTorch's <c>F.linear</c>).
    /// </summary>
    /// <param name="input">x, shape <c>[*, in_features]</c> (any number of leading dims, or none).</param>
    /// <param name="weight">W, shape <c>[out_features, in_features]</c>.</param>
    /// <param name="bias">b, shape <c>[out_features]</c>, or null.</param>
    /// <returns>Shape <c>[*, out_features]</c>.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw OpErrors.Argument("linear", $"expected a weight of rank 2 (out_features, in_features), got shape {weight.Shape}.");
        if (input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw OpErrors.Argument(
                "linear", $"input shape {input.Shape} and weight shape {weight.Shape} do not fit: the last dim of the input must be in_features = {weight.Size(1)}.");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != weight.Size(0)))
            throw OpErrors.Argument("linear", $"expected a bias of shape [{weight.Size(0)}] (out_features), got {bias.Shape}.");
        var y = input.MatMul(weight.T);
        return bias is null ? y : y + bias;
    }

    /// <summary>
    /// y = x₁ᵀ A x₂ + b for each output feature (PyTorch's <c>F.bilinear</c>):
    /// <c>y[..., o] = Σᵢⱼ x₁[..., i] A[o, i, j] x₂[..., j] + b[o]</c>.
    /// </summary>
    /// <param name="input1">x₁, shape <c>[*, in1_features]</c>.</param>
    /// <param name="input2">x₂, shape <c>[*, in2_features]</c> with the same leading dims.</param>
    /// <param name="weight">A, shape <c>[out_features, in1_features, in2_features]</c>.</param>
    /// <param name="bias">b, shape <c>[out_features]</c>, or null.</param>
    /// <returns>Shape <c>[*, out_features]</c>.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Tensor Bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input1);
        ArgumentNullException.ThrowIfNull(input2);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 3)
            throw OpErrors.Argument("bilinear", $"expected a weight of rank 3 (out_features, in1_features, in2_features), got shape {weight.Shape}.");
        int outF = weight.Size(0), in1 = weight.Size(1), in2 = weight.Size(2);
        if (input1.Rank == 0 || input2.Rank != input1.Rank || input1.Size(-1) != in1 || input2.Size(-1) != in2
            || !input1.Shape.AsSpan()[..^1].SequenceEqual(input2.Shape.AsSpan()[..^1]))
            throw OpErrors.Argument(
                "bilinear", $"inputs of shapes {input1.Shape} and {input2.Shape} do not fit weight {weight.Shape}: expected [*, {in1}] and [*, {in2}] with the same leading dims.");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != outF))
            throw OpErrors.Argument("bilinear", $"expected a bias of shape [{outF}] (out_features), got {bias.Shape}.");

        var lead = input1.Shape.ToArray()[..^1];
        int n = 1;
        foreach (int d in lead) n *= d;
        var x1 = input1.Reshape(n, in1);
        var x2 = input2.Reshape(n, in2);
        // t[n, o, j] = Σᵢ x₁[n, i] A[o, i, j], one matrix product; then contract j with x₂.
        var a = weight.Permute(1, 0, 2).Reshape(in1, outF * in2);
        var t = x1.MatMul(a).Reshape(n, outF, in2);
        var y = (t * x2.Unsqueeze(1)).Sum(-1);
        if (bias is not null) y = y + bias;
        return y.Reshape([.. lead, outF]);
    }
}
