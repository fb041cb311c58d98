using Avalon.Data;

namespace Avalon.Tests.Data;

public class DatasetCacheTests
{
    [Fact]
    public void ExplicitRootWinsOverEnvironment()
    {
        Assert.Equal("/a/b", DatasetCache.Root("/a/b", _ => "/from/env"));
    }

    [Fact]
    public void EnvironmentVariableOverridesDefault()
    {
        Assert.Equal("/from/env", DatasetCache.Root(null, name => name == "AVALON_DATA_DIR" ? "/from/env" : null));
    }

    [Fact]
    public void DefaultIsUnderLocalApplicationData()
    {
        string root = DatasetCache.Root(null, _ => null);
        string appData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        Assert.EndsWith(Path.Combine("avalon", "datasets"), root);
        if (appData.Length > 0)
        {
            Assert.StartsWith(appData, root);
        }
    }
}
