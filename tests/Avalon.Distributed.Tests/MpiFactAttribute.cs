using Avalon.Tests.TestData;

namespace Avalon.Distributed.Tests;

/// <summary>
/// A fact that needs <c>mpirun</c> (Debian's <c>openmpi-bin</c>): skipped with a message when it is not
/// on the PATH, unless <c>AVALON_REQUIRE_TEST_DATA=1</c>, which makes its absence a failure.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.Launcher is null && !ExternalData.IsRequired)
            Skip = $"mpirun is not on the PATH (install openmpi-bin); set {ExternalData.RequireVariable}=1 to make this a failure";
    }
}
