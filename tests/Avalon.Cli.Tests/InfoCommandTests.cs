using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;

namespace Avalon.Cli.Tests;

/// <summary><c>avalon info</c>: every field is there and agrees with what the runtime reports.</summary>
[Collection("Console")]
public class InfoCommandTests
{
    [Fact]
    public void JsonHasEveryFieldAndAgreesWithTheRuntime()
    {
        var (code, output, err) = CliRunner.Run("info", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        int expectedBits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        Assert.Equal(expectedBits, root.GetProperty("vector_bits").GetInt32());
        Assert.Equal(expectedBits == 0 ? "none (scalar)" : $"Vector{expectedBits}", root.GetProperty("simd").GetString());
        var isa = root.GetProperty("isa").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(Avx512F.IsSupported, isa.Contains("AVX-512F"));
        Assert.Equal(Avx2.IsSupported, isa.Contains("AVX2"));
        Assert.Equal(Fma.IsSupported, isa.Contains("FMA"));
        Assert.Equal(Threads.Count, root.GetProperty("threads").GetInt32());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("cores").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("processor").GetString()));
        Assert.Contains("cpu", root.GetProperty("devices").EnumerateArray().Select(e => e.GetString()));
        Assert.StartsWith(".NET", root.GetProperty("runtime").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("avalon").GetString()));
    }

    [Fact]
    public void TextNamesTheSameFields()
    {
        var (code, output, _) = CliRunner.Run("info");
        Assert.Equal(0, code);
        foreach (string field in new[] { "avalon:", "simd:", "isa:", "threads:", "processor:", "devices:", "runtime:" })
            Assert.Contains(output.Split('\n'), line => line.StartsWith(field, StringComparison.Ordinal));
    }
}
