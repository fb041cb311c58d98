namespace Avalon.Tests.TestData;

/// <summary>
/// A <see cref="FactAttribute"/> that skips the test when any of the given paths is absent, unless
/// <c>AVALON_REQUIRE_TEST_DATA=1</c> is set (see <see cref="ExternalData"/>). The test should still
/// fetch each path through <see cref="ExternalData.Require"/> so that a required but absent file fails
/// with a clear message.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ExternalDataFactAttribute : FactAttribute
{
    public ExternalDataFactAttribute(params string[] paths)
    {
        Paths = paths;
        Skip = ExternalData.SkipReason(paths, Hint);
    }

    /// <summary>The files or folders the test needs.</summary>
    public string[] Paths { get; }

    /// <summary>How to get the data, shown in the skip message (for example a package to install).</summary>
    public string? Hint
    {
        get;
        set
        {
            field = value;
            Skip = ExternalData.SkipReason(Paths, value);
        }
    }
}
