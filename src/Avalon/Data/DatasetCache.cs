namespace Avalon.Data;

/// <summary>Finds the folder where datasets are cached and downloaded to.</summary>
internal static class DatasetCache
{
    public const string EnvironmentVariable = "AVALON_DATA_DIR";

    /// <summary>
    /// The cache root: <paramref name="explicitRoot"/> when given, else <c>AVALON_DATA_DIR</c>, else
    /// <c>avalon/datasets</c> under the user's local application data folder.
    /// </summary>
    public static string Root(string? explicitRoot, Func<string, string?> getEnvironmentVariable)
    {
        if (!string.IsNullOrEmpty(explicitRoot))
        {
            return explicitRoot;
        }
        string? fromEnvironment = getEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }
        string appData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        // Without a home folder (some containers) there is no per-user location; the temp folder still works.
        string baseFolder = string.IsNullOrEmpty(appData) ? Path.GetTempPath() : appData;
        return Path.Combine(baseFolder, "avalon", "datasets");
    }
}
