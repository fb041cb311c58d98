using System.Text;
using Avalon.Primitives;

namespace Avalon.Tests.Docs;

/// <summary>
/// docs/primitives.md is generated from the primitive registry: every built-in primitive with its
/// inputs and outputs, attributes (name, type, default), effects and whether it has a derivative rule.
/// The test fails when the file is not current; run it with AVALON_UPDATE_DOCS=1 to rewrite it.
/// </summary>
public class PrimitivesDocTests
{
    internal static string Generate()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Primitives");
        sb.AppendLine();
        sb.AppendLine("Generated from `PrimitiveRegistry` by `tests/Avalon.Tests/Docs/PrimitivesDocTests.cs` (run it with");
        sb.AppendLine("`AVALON_UPDATE_DOCS=1` to regenerate). Outputs: how many values a call defines (\"varies\": from its");
        sb.AppendLine("attributes or input shape). Rule: whether a derivative rule exists (\"no gradient\" for");
        sb.AppendLine("non-differentiable primitives). Inputs: the tensors a call takes, in order, named as in PyTorch's");
        sb.AppendLine("signatures (`?`: optional, `...`: any number).");
        sb.AppendLine();
        sb.AppendLine("| primitive | inputs | outputs | attributes | effects | rule |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var p in PrimitiveRegistry.All.Where(p => !p.IsUserDefined))
        {
            string outputs = p.OutputCount < 0 ? "varies" : p.OutputCount.ToString();
            string attrs = p.Schema is null ? "(undeclared)" : p.Schema.Specs.Count == 0 ? "—" : string.Join("; ", p.Schema.Specs.Select(s => "`" + s + "`"));
            string rule = p.IsDifferentiable ? "yes" : "no gradient";
            string inputs = p.InputNames is null ? "(undeclared)" : p.InputNames.Count == 0 ? "—" : string.Join(", ", p.InputNames.Select(n => "`" + n + "`"));
            sb.AppendLine($"| `{p.Name}` | {inputs} | {outputs} | {attrs.Replace("|", "\\|")} | {p.Effects} | {rule} |");
        }
        return sb.ToString();
    }

    private static string DocPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Avalon.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "docs", "primitives.md");
    }

    [Fact]
    public void PrimitivesDocIsCurrent()
    {
        var expected = Generate();
        var path = DocPath();
        if (Environment.GetEnvironmentVariable("AVALON_UPDATE_DOCS") == "1") File.WriteAllText(path, expected);
        Assert.True(File.Exists(path), "docs/primitives.md is missing; run this test with AVALON_UPDATE_DOCS=1.");
        Assert.True(File.ReadAllText(path) == expected, "docs/primitives.md is out of date; run this test with AVALON_UPDATE_DOCS=1 and commit it.");
    }

    [Fact]
    public void EveryBuiltInPrimitiveDeclaresItsInputs()
    {
        var undeclared = PrimitiveRegistry.All.Where(p => !p.IsUserDefined && p.InputNames is null).Select(p => p.Name).ToList();
        Assert.True(undeclared.Count == 0, "Primitives without input names: " + string.Join(", ", undeclared));
    }

    [Fact]
    public void EveryBuiltInPrimitiveDeclaresItsAttributes()
    {
        var undeclared = PrimitiveRegistry.All.Where(p => !p.IsUserDefined && p.Schema is null).Select(p => p.Name).ToList();
        Assert.True(undeclared.Count == 0, "Primitives without an attribute schema: " + string.Join(", ", undeclared));
    }
}
