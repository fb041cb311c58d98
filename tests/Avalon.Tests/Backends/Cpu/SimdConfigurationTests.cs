using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Avalon.Backends.Cpu;
using Xunit.Abstractions;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// Checks that the instruction sets the runtime reports agree with the <c>DOTNET_Enable*</c> variables
/// CI sets, so that each of CI's kernel runs really takes the code path it is meant to test: the
/// AVX-512 path (nothing disabled, on hardware that has it), the AVX2 path (<c>DOTNET_EnableAVX512=0</c>; <c>DOTNET_EnableAVX512F=0</c> before .NET 10)
/// and the scalar/128-bit fallback (<c>DOTNET_EnableAVX2=0</c>).
/// </summary>
public class SimdConfigurationTests(ITestOutputHelper output)
{
    private static bool Disabled(string knob) =>
        Environment.GetEnvironmentVariable("DOTNET_" + knob) is "0";

    private static bool Avx512Disabled => Disabled("EnableAVX512F") || Disabled("EnableAVX512");

    private static bool Avx2Disabled => Disabled("EnableAVX2") || Disabled("EnableAVX") || Disabled("EnableHWIntrinsic");

    /// <summary>The CPU's feature flags from /proc/cpuinfo (Linux x86), or null where not available.</summary>
    private static HashSet<string>? CpuFlags()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")) return null;
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
            if (line.StartsWith("flags", StringComparison.Ordinal))
                return [.. line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        return null;
    }

    [Fact]
    public void ReportedInstructionSetsFollowTheEnvironment()
    {
        output.WriteLine($"Avx2.IsSupported={Avx2.IsSupported} Fma.IsSupported={Fma.IsSupported} " +
                         $"Avx512F.IsSupported={Avx512F.IsSupported} " +
                         $"Vector256.IsHardwareAccelerated={Vector256.IsHardwareAccelerated} " +
                         $"Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated} " +
                         $"GEMM micro-kernel 512={GemmMicroKernel512<float>.IsSupported} 256={GemmMicroKernel256<float>.IsSupported}");
        if (Avx512Disabled)
        {
            Assert.False(Avx512F.IsSupported, "AVX-512 is switched off (DOTNET_EnableAVX512=0 or DOTNET_EnableAVX512F=0), yet Avx512F.IsSupported is true. On .NET 10 only DOTNET_EnableAVX512 takes effect.");
            Assert.False(Vector512.IsHardwareAccelerated, "AVX-512 is switched off (DOTNET_EnableAVX512=0 or DOTNET_EnableAVX512F=0), yet Vector512 is accelerated.");
            Assert.False(GemmMicroKernel512<float>.IsSupported);
        }
        if (Avx2Disabled)
        {
            Assert.False(Avx2.IsSupported, "DOTNET_EnableAVX2=0 is set, yet Avx2.IsSupported is true.");
            Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_EnableAVX2=0 is set, yet Vector256 is accelerated.");
            Assert.False(Vector512.IsHardwareAccelerated, "DOTNET_EnableAVX2=0 is set, yet Vector512 is accelerated.");
            Assert.False(GemmMicroKernel256<float>.IsSupported);
            Assert.False(GemmMicroKernel512<float>.IsSupported);
        }
        // A run that disables nothing must use what the processor has: otherwise the default CI run
        // would silently test a narrower path than production.
        var flags = CpuFlags();
        if (flags is null || !X86Base.IsSupported) return;
        if (!Avx2Disabled && flags.Contains("avx2") && flags.Contains("fma"))
        {
            Assert.True(Avx2.IsSupported, "the processor has AVX2 and nothing disables it, yet Avx2.IsSupported is false.");
            Assert.True(Vector256.IsHardwareAccelerated);
            Assert.True(GemmMicroKernel256<float>.IsSupported);
        }
        string[] avx512 = ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"];
        if (!Avx2Disabled && !Avx512Disabled && avx512.All(flags.Contains))
            Assert.True(Avx512F.IsSupported, "the processor has AVX-512 and nothing disables it, yet Avx512F.IsSupported is false.");
    }
}
