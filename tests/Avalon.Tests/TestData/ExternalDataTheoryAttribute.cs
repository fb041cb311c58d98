namespace Avalon.Tests.TestData;

/// <summary>
/// A <see cref="TheoryAttribute"/> that skips the theory when any of the given paths is absent, unless
/// <c>AVALON_REQUIRE_TEST_DATA=1</c> is set (see <see cref="ExternalData"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ExternalDataTheoryAttribute : TheoryAttribute
{
    public ExternalDataTheoryAttribute(params string[] paths)
    {
        Paths = paths;
        Skip = ExternalData.SkipReason(paths, Hint);
    }

    /// <summary>The files or folders the theory needs.</summary>
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
