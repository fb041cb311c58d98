namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// One finite-difference check: a function of float64 tensors built from public operations, the inputs
/// to differentiate, and the primitive(s) whose derivative rule it verifies.
/// </summary>
public sealed record GradCheckCase(string Primitive, string Name, Func<Tensor[], Tensor> Function, Tensor[] Inputs)
{
    /// <summary>Also check the gradient of the gradient (rules of rules).</summary>
    public bool SecondOrder { get; init; } = true;

    /// <summary>Absolute + relative tolerance for first-order comparisons.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Indices of inputs to differentiate (all by default).</summary>
    public int[]? Wrt { get; init; }

    public override string ToString() => $"{Primitive}: {Name}";

    /// <summary>
    /// A case for a function with several outputs (a multi-output primitive's call): the checked function is
    /// the concatenation of its differentiable (floating-point) outputs, flattened, so the checker's loss is a
    /// random projection of every differentiable output at once. Integer outputs (such as max pooling's
    /// indices) carry no gradient and are left out.
    /// </summary>
    public static GradCheckCase OfOutputs(string primitive, string name, Func<Tensor[], Tensor[]> function, Tensor[] inputs) =>
        new(primitive, name, xs => Flatten(function(xs)), inputs);

    private static Tensor Flatten(Tensor[] outputs)
    {
        var differentiable = outputs.Where(o => o.DType.IsFloatingPoint()).Select(o => o.Reshape(-1)).ToArray();
        if (differentiable.Length == 0)
            throw new InvalidOperationException("A grad check needs at least one floating-point output.");
        return differentiable.Length == 1 ? differentiable[0] : Tensor.Cat(differentiable);
    }
}

/// <summary>A family of grad-check cases; every implementation in this assembly is discovered by reflection.</summary>
public interface IGradCheckCases
{
    IEnumerable<GradCheckCase> Cases();
}
