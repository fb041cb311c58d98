namespace Avalon.Tests.TestData;

public class ExternalDataTests
{
    private static readonly string s_missing = Path.Combine(Path.GetTempPath(), "avalon-absent-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void AbsentDataIsSkippedUnlessRequired()
    {
        string? reason = ExternalData.SkipReason([Path.GetTempPath(), s_missing], "install it", required: false);
        Assert.NotNull(reason);
        Assert.Contains(s_missing, reason);
        Assert.Contains("install it", reason);
        Assert.Contains("AVALON_REQUIRE_TEST_DATA=1", reason);

        Assert.Null(ExternalData.SkipReason([s_missing], "install it", required: true));
    }

    [Fact]
    public void PresentDataIsNeverSkipped()
    {
        Assert.Null(ExternalData.SkipReason([Path.GetTempPath()], hint: null, required: false));
        Assert.Null(new ExternalDataFactAttribute(Path.GetTempPath()).Skip);
        Assert.Equal(Path.GetTempPath(), ExternalData.Require(Path.GetTempPath()));
    }

    [Fact]
    public void AttributeSkipFollowsTheConvention()
    {
        var fact = new ExternalDataFactAttribute(s_missing) { Hint = "apt install something" };
        var theory = new ExternalDataTheoryAttribute(s_missing);
        if (ExternalData.IsRequired)
        {
            Assert.Null(fact.Skip);
            Assert.Null(theory.Skip);
        }
        else
        {
            Assert.Contains("apt install something", fact.Skip);
            Assert.Contains(s_missing, theory.Skip);
        }
    }

    [Fact]
    public void RequiringAbsentDataFailsWithTheHint()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ExternalData.Require(s_missing, "apt install something"));
        Assert.Contains(s_missing, ex.Message);
        Assert.Contains("apt install something", ex.Message);
    }
}
