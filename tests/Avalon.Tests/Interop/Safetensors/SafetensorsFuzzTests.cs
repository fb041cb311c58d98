using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Avalon.Interop.Safetensors;
using Avalon.Tests.Data;
using Xunit.Abstractions;

namespace Avalon.Tests.Interop.Safetensors;

/// <summary>
/// Thousands of mutants of a valid safetensors file: every one must load or raise one of the
/// documented exceptions (<see cref="InvalidDataException"/>, or <see cref="NotSupportedException"/>
/// for a valid dtype Avalon lacks), allocate at most a small multiple of its size and take under a second.
/// </summary>
public partial class SafetensorsFuzzTests(ITestOutputHelper output)
{
    private static readonly Type[] s_allowed = [typeof(InvalidDataException), typeof(NotSupportedException)];

    private static byte[] Valid()
    {
        var random = new Generator(5);
        var tensors = new Dictionary<string, Tensor>
        {
            ["conv.weight"] = Tensor.Randn([4, 1, 3, 3], random),
            ["conv.bias"] = Tensor.Randn([4], random),
            ["fc.weight"] = Tensor.Randn([10, 16], random, DType.Float64),
            ["steps"] = Tensor.From(new long[] { 3, 1L << 40 }),
            ["counts"] = Tensor.From(new int[] { 1, -2, 3, 4, 5, 6 }, 2, 3),
            ["mask"] = Tensor.From(new bool[] { true, false, true, true }),
            ["empty"] = Tensor.Zeros([0, 3]),
            ["scalar"] = Tensor.Scalar(2.5f),
        };
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "fuzz fixture" });
        return stream.ToArray();
    }

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Number();

    /// <summary>Edits of the size fields: the 8-byte header length, and every number in the header (shapes and data offsets).</summary>
    private static IEnumerable<LoaderFuzzing.Mutant> SizeEdits(byte[] valid)
    {
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(valid);
        foreach (long value in LoaderFuzzing.InterestingSizes((long)headerLength))
        {
            var bytes = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, unchecked((ulong)value));
            yield return new($"header length = {unchecked((ulong)value)}", bytes);
        }
        string header = Encoding.UTF8.GetString(valid, 8, (int)headerLength);
        byte[] data = valid[(8 + (int)headerLength)..];
        foreach (Match m in Number().Matches(header))
        {
            long original = long.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture);
            foreach (long value in LoaderFuzzing.InterestingSizes(original))
            {
                string edited = header[..m.Index] + value.ToString(System.Globalization.CultureInfo.InvariantCulture) + header[(m.Index + m.Length)..];
                yield return new($"number at {m.Index} ({m.Value}) = {value}", Assemble(edited, data));
            }
        }
        // String-level edits that System.Text.Json treats specially.
        yield return new("lone surrogate in a name", Assemble(header.Replace("\"conv.bias\"", "\"conv\\ud800bias\"", StringComparison.Ordinal), data));
        yield return new("lone surrogate in metadata", Assemble(header.Replace("fuzz fixture", "fuzz\\udc00", StringComparison.Ordinal), data));
        yield return new("dtype F16", Assemble(header.Replace("\"F32\"", "\"F16\"", StringComparison.Ordinal), data));
        yield return new("duplicate key", Assemble(header.Replace("\"steps\"", "\"mask\"", StringComparison.Ordinal), data));
        yield return new("deep nesting", Assemble(header.Replace("\"pt\"", new string('[', 64) + new string(']', 64), StringComparison.Ordinal), data));
    }

    private static byte[] Assemble(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    [Fact]
    public void MutantsFailCleanlyAndCheaply()
    {
        byte[] valid = Valid();
        int headerBytes = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var mutants = SizeEdits(valid).Concat(LoaderFuzzing.Generic(valid, headerBytes, 3000, seed: 42));
        var report = LoaderFuzzing.Run("safetensors", valid, mutants, s => SafetensorsFile.Read(s), s_allowed,
            allocationFactor: 8, allocationSlack: 64 << 10, timeLimit: TimeSpan.FromSeconds(1));
        output.WriteLine(report.ToString());
        Assert.True(report.Cases >= 3000, $"{report.Cases} cases");
        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures.Take(20)));
        Assert.DoesNotContain(report.AcceptedNames, n => n.Contains("append", StringComparison.Ordinal) || n.Contains("truncate", StringComparison.Ordinal));
    }

    [Fact]
    public void MutantsFailCleanlyAndCheaplyWhenMapped()
    {
        // The same mutants through SafetensorsFile.Map, reading every tensor: header errors when the file is mapped, data errors when a tensor is read.
        byte[] valid = Valid();
        int headerBytes = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var mutants = SizeEdits(valid).Concat(LoaderFuzzing.Generic(valid, headerBytes, 3000, seed: 42));
        using var files = new MappedFuzzing();
        var report = LoaderFuzzing.Run("safetensors mapped", valid, mutants, files.Load("mutant.safetensors", SafetensorsFile.Map), s_allowed,
            allocationFactor: 8, allocationSlack: 64 << 10, timeLimit: TimeSpan.FromSeconds(1));
        output.WriteLine(report.ToString());
        Assert.True(report.Cases >= 3000, $"{report.Cases} cases");
        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures.Take(20)));
        Assert.DoesNotContain(report.AcceptedNames, n => n.Contains("append", StringComparison.Ordinal) || n.Contains("truncate", StringComparison.Ordinal));
    }
}
