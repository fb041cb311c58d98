using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Avalon.Backends;
using Avalon.Backends.Cpu;
using Avalon.Cli.Bench;

namespace Avalon.Cli;

/// <summary>
/// What <c>avalon info</c> reports about this build and machine, as ordered name/value pairs: versions,
/// the vector width the kernels use and the instruction sets behind it, the thread budget, the processor,
/// the registered devices and the runtime.
/// </summary>
internal static class SystemInfo
{
    /// <summary>The fields in print order.</summary>
    public static IReadOnlyList<KeyValuePair<string, object>> Collect()
    {
        int vectorBits = FmaPeak.VectorBits;
        var isa = new List<string>();
        if (Avx512F.IsSupported) isa.Add("AVX-512F");
        if (Avx512BW.IsSupported) isa.Add("AVX-512BW");
        if (Avx2.IsSupported) isa.Add("AVX2");
        if (Fma.IsSupported) isa.Add("FMA");
        if (Avx.IsSupported) isa.Add("AVX");
        if (Sse42.IsSupported) isa.Add("SSE4.2");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) isa.Add("AdvSIMD");
        var switches = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DOTNET_Enable", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")
            .ToArray();
        return
        [
            new("avalon", Version(typeof(Tensor).Assembly)),
            new("cli", Version(typeof(SystemInfo).Assembly)),
            new("simd", vectorBits == 0 ? "none (scalar)" : $"Vector{vectorBits}"),
            new("vector_bits", vectorBits),
            new("vector_t_bits", Vector<byte>.Count * 8),
            new("isa", isa.ToArray()),
            new("gemm_kernel", Gemm.Resolve<float>(GemmKernelKind.Auto).ToString()),
            new("vector_gain", Math.Round(VectorThroughput.WideGain, 2)),
            new("isa_switches", switches),
            new("threads", Threads.Count),
            new("cores", Environment.ProcessorCount),
            new("processor", ProcessorName()),
            new("devices", Backend.Registered.Select(d => d.ToString().ToLowerInvariant()).ToArray()),
            new("runtime", RuntimeInformation.FrameworkDescription),
            new("os", RuntimeInformation.OSDescription),
            new("arch", RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()),
        ];
    }

    /// <summary>The informational version (without a source-revision suffix) or the assembly version.</summary>
    private static string Version(Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is { Length: > 0 }) return informational.Split('+')[0];
        return assembly.GetName().Version?.ToString() ?? "unknown";
    }

    /// <summary>The processor's model name (/proc/cpuinfo on Linux, PROCESSOR_IDENTIFIER on Windows), or "unknown".</summary>
    private static string ProcessorName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':');
                        if (colon > 0) return line[(colon + 1)..].Trim();
                    }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") ?? "unknown";
    }
}
