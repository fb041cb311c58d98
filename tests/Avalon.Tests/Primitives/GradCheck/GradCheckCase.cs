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
}

/// <summary>A family of grad-check cases; every implementation in this assembly is discovered by reflection.</summary>
public interface IGradCheckCases
{
    IEnumerable<GradCheckCase> Cases();
}
