namespace Avalon.Tests.TestData;

/// <summary>
/// The convention for tests that need data from outside the repository (a system dataset package,
/// ONNX model files, ...): when the data is absent the test is skipped, unless the environment
/// variable <c>AVALON_REQUIRE_TEST_DATA=1</c> is set, in which case absence is a failure. Continuous
/// integration machines that install the data set the variable so a missing package cannot hide.
/// </summary>
internal static class ExternalData
{
    public const string RequireVariable = "AVALON_REQUIRE_TEST_DATA";

    /// <summary>Whether absent external data must fail the tests instead of skipping them.</summary>
    public static bool IsRequired => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>The first of <paramref name="paths"/> that is neither a file nor a folder, or null.</summary>
    public static string? FirstMissing(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                return path;
            }
        }
        return null;
    }

    /// <summary>The reason to skip a test needing <paramref name="paths"/>, or null when it must run.</summary>
    public static string? SkipReason(IEnumerable<string> paths, string? hint) => SkipReason(paths, hint, IsRequired);

    /// <summary>As <see cref="SkipReason(IEnumerable{string}, string?)"/>, with the requirement given explicitly.</summary>
    public static string? SkipReason(IEnumerable<string> paths, string? hint, bool required)
    {
        string? missing = FirstMissing(paths);
        if (missing is null || required)
        {
            return null;
        }
        return $"external test data {missing} is absent{HintText(hint)}; set {RequireVariable}=1 to make this a failure";
    }

    /// <summary>
    /// Returns <paramref name="path"/> when it exists; otherwise fails the test with a message saying
    /// what is missing (reached only when <see cref="IsRequired"/>, since the test is skipped otherwise).
    /// </summary>
    public static string Require(string path, string? hint = null)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            return path;
        }
        throw new InvalidOperationException(
            $"external test data {path} is absent{HintText(hint)}, and {RequireVariable}={Environment.GetEnvironmentVariable(RequireVariable)} requires it.");
    }

    private static string HintText(string? hint) => string.IsNullOrEmpty(hint) ? "" : $" ({hint})";
}
