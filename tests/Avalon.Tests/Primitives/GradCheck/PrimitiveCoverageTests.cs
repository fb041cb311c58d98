using Avalon.Primitives;

namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Enumerates the primitive registry: every differentiable primitive must have at least one
/// finite-difference grad-check case, and every case must pass.
/// </summary>
public class PrimitiveCoverageTests
{
    public static IEnumerable<GradCheckCase> AllCases() =>
        typeof(PrimitiveCoverageTests).Assembly.GetTypes()
            .Where(t => typeof(IGradCheckCases).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .SelectMany(t => ((IGradCheckCases)Activator.CreateInstance(t)!).Cases());

    public static IEnumerable<object[]> CaseData() => AllCases().Select(c => new object[] { c.ToString() });

    [Fact]
    public void EveryDifferentiablePrimitiveHasAGradCheck()
    {
        var covered = AllCases().Select(c => c.Primitive).ToHashSet();
        var missing = PrimitiveRegistry.All.Where(p => p.IsDifferentiable && !p.IsUserDefined && !covered.Contains(p.Name)).Select(p => p.Name).ToList();
        Assert.True(missing.Count == 0, "Primitives without a finite-difference gradient check: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public void RuleMatchesFiniteDifferences(string name)
    {
        var c = AllCases().Single(x => x.ToString() == name);
        GradChecker.Check(c);
    }
}
