using Avalon.Tests.TestData;

namespace Avalon.Onnx.Tests;

/// <summary>Runs every installed ONNX backend-test case once (Debian's libonnx-testdata) and shares the results.</summary>
public sealed class ConformanceSuiteFixture
{
    public const string DataRoot = "/usr/share/libonnx-testdata/data";

    public static readonly string[] Suites = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    private readonly Lazy<IReadOnlyList<OnnxCaseResult>> _results = new(() =>
        OnnxConformance.Run(Suites.Select(s => Path.Combine(ExternalData.Require(DataRoot, ConformanceSuiteTests.Hint), s))));

    public IReadOnlyList<OnnxCaseResult> Results => _results.Value;
}

/// <summary>Pass-rate floors per suite over ONNX's backend test data, and the committed pass table.</summary>
public class ConformanceSuiteTests(ConformanceSuiteFixture fixture) : IClassFixture<ConformanceSuiteFixture>
{
    internal const string Hint = " (install Debian's libonnx-testdata)";

    private static string Failures(IEnumerable<OnnxCaseResult> rows) =>
        string.Join("\n", rows.Where(r => r.Status != OnnxCaseStatus.Passed).Select(OnnxConformance.FormatLine));

    [ExternalDataFact(ConformanceSuiteFixture.DataRoot, Hint = Hint)]
    public void NodeCasesOutsideTheExcludedFamiliesPassAtLeast95Percent()
    {
        var core = fixture.Results.Where(r => r.Suite == "node" && r.Category == "core").ToList();
        Assert.True(core.Count > 800, $"expected the node suite's {core.Count} core cases to be found");
        double rate = OnnxConformance.PassRate(core);
        Assert.True(rate >= 0.95, $"node pass rate {rate:P1}; not passed:\n{Failures(core)}");
        Assert.Empty(core.Where(r => r.Status == OnnxCaseStatus.Failed && !r.Case.Contains("BFLOAT16", StringComparison.Ordinal)).Select(OnnxConformance.FormatLine));
    }

    [ExternalDataFact(ConformanceSuiteFixture.DataRoot, Hint = Hint)]
    public void EveryPytorchConvertedCasePasses()
    {
        var rows = fixture.Results.Where(r => r.Suite == "pytorch-converted").ToList();
        Assert.True(rows.Count >= 80);
        Assert.True(rows.All(r => r.Status == OnnxCaseStatus.Passed), Failures(rows));
    }

    [ExternalDataFact(ConformanceSuiteFixture.DataRoot, Hint = Hint)]
    public void EveryPytorchOperatorCasePasses()
    {
        var rows = fixture.Results.Where(r => r.Suite == "pytorch-operator").ToList();
        Assert.True(rows.Count >= 35);
        Assert.True(rows.All(r => r.Status == OnnxCaseStatus.Passed), Failures(rows));
    }

    [ExternalDataFact(ConformanceSuiteFixture.DataRoot, Hint = Hint)]
    public void EverySimpleCoreCasePasses()
    {
        var rows = fixture.Results.Where(r => r.Suite == "simple" && r.Category == "core").ToList();
        Assert.NotEmpty(rows);
        Assert.True(rows.All(r => r.Status == OnnxCaseStatus.Passed), Failures(rows));
    }

    /// <summary>docs/onnx-conformance.md is the table of the current results; AVALON_UPDATE_DOCS=1 rewrites it.</summary>
    [ExternalDataFact(ConformanceSuiteFixture.DataRoot, Hint = Hint)]
    public void ConformanceTableIsCurrent()
    {
        var expected = OnnxConformance.PassTable(fixture.Results.ToList());
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Avalon.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var path = Path.Combine(dir.FullName, "docs", "onnx-conformance.md");
        if (Environment.GetEnvironmentVariable("AVALON_UPDATE_DOCS") == "1") File.WriteAllText(path, expected);
        Assert.True(File.Exists(path), "docs/onnx-conformance.md is missing; run this test with AVALON_UPDATE_DOCS=1.");
        Assert.True(File.ReadAllText(path) == expected, "docs/onnx-conformance.md is out of date; run this test with AVALON_UPDATE_DOCS=1 and commit it.");
    }
}
