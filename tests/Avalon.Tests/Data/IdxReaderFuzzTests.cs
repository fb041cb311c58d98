using System.Buffers.Binary;
using Avalon.Data;
using Xunit.Abstractions;

namespace Avalon.Tests.Data;

/// <summary>
/// Thousands of mutants of valid IDX files, plain and gzip-compressed: every one must load or raise
/// <see cref="InvalidDataException"/>, allocate at most a small multiple of its size and take under a second.
/// </summary>
public class IdxReaderFuzzTests(ITestOutputHelper output)
{
    private static readonly Type[] s_allowed = [typeof(InvalidDataException)];

    // Structured pixels (a gradient with noise), which gzip compresses about as well as real images.
    private static byte[] Images(int count)
    {
        var random = new Random(11);
        var pixels = new byte[count * 28 * 28];
        for (int i = 0; i < pixels.Length; i++)
        {
            int x = i % 28, y = i / 28 % 28;
            pixels[i] = (byte)Math.Clamp((x * 9 + y * 5) % 256 + random.Next(-12, 12), 0, 255);
        }
        return IdxTestFiles.UByte([count, 28, 28], pixels);
    }

    private static byte[] Typed(byte code, int elementSize, params int[] dims)
    {
        var random = new Random(code);
        var body = new byte[dims.Aggregate(1, (a, b) => a * b) * elementSize];
        random.NextBytes(body);
        return [.. IdxTestFiles.Header(code, dims), .. body];
    }

    private static byte[][] Fixtures() =>
    [
        Images(16),
        IdxTestFiles.UByte([300], Enumerable.Range(0, 300).Select(i => (byte)(i % 10)).ToArray()),
        Typed(0x0C, 4, 50, 3),
        Typed(0x0E, 8, 20, 2),
        Typed(0x0B, 2, 2, 3, 4, 5),
    ];

    /// <summary>The file with dimension <paramref name="dim"/>, or a magic byte, rewritten.</summary>
    private static IEnumerable<LoaderFuzzing.Mutant> SizeEdits(byte[] file)
    {
        int rank = file[3];
        for (int d = 0; d < rank; d++)
        {
            int original = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(4 + 4 * d));
            foreach (long value in LoaderFuzzing.InterestingSizes(original))
            {
                var bytes = (byte[])file.Clone();
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), unchecked((int)value));
                yield return new($"dimension {d} = {unchecked((int)value)}", bytes);
            }
        }
        foreach (byte r in new byte[] { 0, 1, 2, 4, 5, 16, 255 })
        {
            var bytes = (byte[])file.Clone();
            bytes[3] = r;
            yield return new($"rank byte = {r}", bytes);
        }
        foreach (byte t in new byte[] { 0x00, 0x07, 0x08, 0x0A, 0x0D, 0x0E, 0x0F, 0xFF })
        {
            var bytes = (byte[])file.Clone();
            bytes[2] = t;
            yield return new($"type code = 0x{t:X2}", bytes);
        }
    }

    private static IEnumerable<LoaderFuzzing.Mutant> RawMutants()
    {
        var fixtures = Fixtures();
        for (int f = 0; f < fixtures.Length; f++)
        {
            foreach (var m in SizeEdits(fixtures[f])) yield return m with { Name = $"fixture {f}, {m.Name}" };
            foreach (var m in LoaderFuzzing.Generic(fixtures[f], 4 + 4 * fixtures[f][3], 500, seed: 100 + f))
                yield return m with { Name = $"fixture {f}, {m.Name}" };
        }
    }

    private static IEnumerable<LoaderFuzzing.Mutant> GzipMutants()
    {
        var fixtures = Fixtures();
        for (int f = 0; f < fixtures.Length; f++)
        {
            byte[] gz = IdxTestFiles.Gzip(fixtures[f]);
            // Size edits are made in the IDX header, then compressed: the gzip stream is valid, the IDX lies.
            foreach (var m in SizeEdits(fixtures[f])) yield return new($"fixture {f} gzip of {m.Name}", IdxTestFiles.Gzip(m.Bytes));
            // The gzip trailer's CRC-32 and length fields.
            foreach (int field in new[] { 8, 4 })
            {
                uint original = BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - field));
                foreach (long value in LoaderFuzzing.InterestingSizes(original))
                {
                    var bytes = (byte[])gz.Clone();
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - field), unchecked((uint)value));
                    yield return new($"fixture {f} gzip trailer field at -{field} = {unchecked((uint)value)}", bytes);
                }
            }
            // Flips of the gzip header's flag byte.
            for (int bit = 0; bit < 8; bit++)
            {
                var bytes = (byte[])gz.Clone();
                bytes[3] ^= (byte)(1 << bit);
                yield return new($"fixture {f} gzip flag bit {bit}", bytes);
            }
            // A second member, and a member whose deflate data is followed by junk before the trailer.
            yield return new($"fixture {f} gzip twice", [.. gz, .. gz]);
            yield return new($"fixture {f} gzip junk then a copy of the trailer", [.. gz, 1, 2, 3, .. gz[^8..]]);
            foreach (var m in LoaderFuzzing.Generic(gz, 32, 500, seed: 200 + f))
                yield return m with { Name = $"fixture {f} gzip, {m.Name}" };
        }
    }

    [Fact]
    public void RawIdxMutantsFailCleanlyAndCheaply()
    {
        var report = LoaderFuzzing.Run("IDX raw", Fixtures()[0], RawMutants(), s => IdxReader.Read(s, "mutant"), s_allowed,
            allocationFactor: 2, allocationSlack: 64 << 10, timeLimit: TimeSpan.FromSeconds(1));
        output.WriteLine(report.ToString());
        Assert.True(report.Cases >= 2500, $"{report.Cases} cases");
        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures.Take(20)));
        // Data after the file's end is never part of a valid file.
        Assert.DoesNotContain(report.AcceptedNames, n => n.Contains("append", StringComparison.Ordinal) || n.Contains("twice", StringComparison.Ordinal));
    }

    [Fact]
    public void GzipIdxMutantsFailCleanlyAndCheaply()
    {
        var report = LoaderFuzzing.Run("IDX gzip", IdxTestFiles.Gzip(Fixtures()[0]), GzipMutants(), s => IdxReader.Read(s, "mutant"), s_allowed,
            allocationFactor: 16, allocationSlack: 256 << 10, timeLimit: TimeSpan.FromSeconds(1));
        output.WriteLine(report.ToString());
        foreach (var name in report.AcceptedNames.Where(n => n.Contains("trailer", StringComparison.Ordinal) || n.Contains("flag", StringComparison.Ordinal)))
            output.WriteLine("accepted: " + name);
        Assert.True(report.Cases >= 2500, $"{report.Cases} cases");
        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures.Take(20)));
        // Data after the file's end is never part of a valid file.
        Assert.DoesNotContain(report.AcceptedNames, n => n.Contains("append", StringComparison.Ordinal) || n.Contains("twice", StringComparison.Ordinal));
    }
}
