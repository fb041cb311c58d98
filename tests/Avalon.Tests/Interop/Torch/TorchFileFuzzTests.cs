using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Avalon.Interop.Torch;
using Avalon.Tests.Data;
using Xunit.Abstractions;

namespace Avalon.Tests.Interop.Torch;

/// <summary>
/// Thousands of mutants of the PyTorch files <see cref="TorchFileTests"/> reads (zip and legacy format):
/// every one must load or raise one of the documented exceptions (<see cref="InvalidDataException"/>, or
/// <see cref="NotSupportedException"/> for a valid file Avalon cannot represent), allocate at most a small
/// multiple of its size and take under a second. Zip entries that are paths out of the archive, and pickle
/// opcodes and globals outside the allow-list, are refused with an error naming them.
/// </summary>
public class TorchFileFuzzTests(ITestOutputHelper output)
{
    private static readonly Type[] s_allowed = [typeof(InvalidDataException), typeof(NotSupportedException)];

    private static readonly string[] s_zipFiles = ["dtypes", "views", "mlp", "nested"];

    private static byte[] Reference(string name) => File.ReadAllBytes(TorchReference.File(name + ".pt"));

    private static void Load(Stream stream) => TorchFile.LoadObject(stream);

    private static LoaderFuzzing.Report Fuzz(string format, byte[] valid, IEnumerable<LoaderFuzzing.Mutant> mutants, Action<Stream>? load = null)
    {
        // 8× the file plus 128 KiB: float16 and int8 storages widen to 4 bytes per element, and the zip
        // reader's buffers are a fixed cost; a load that sized anything by a declared length would exceed it.
        var report = LoaderFuzzing.Run(format, valid, mutants, load ?? Load, s_allowed,
            allocationFactor: 8, allocationSlack: 128 << 10, timeLimit: TimeSpan.FromSeconds(1));
        return report;
    }

    /// <summary>The load through <see cref="TorchFile.Map"/>: the mutant written to a file, mapped, every tensor checked and read.</summary>
    private static Action<Stream> Mapped(MappedFuzzing files) => files.Load("mutant.pt", TorchFile.Map);

    private static void AssertClean(LoaderFuzzing.Report report, int minimumCases)
    {
        Assert.True(report.Cases >= minimumCases, $"{report.Cases} cases");
        Assert.True(report.Failures.Count == 0, string.Join("\n", report.Failures.Take(20)));
        Assert.DoesNotContain(report.AcceptedNames, n => n.Contains("truncate", StringComparison.Ordinal));
    }

    [Fact]
    public void ZipFileMutantsFailCleanlyAndCheaply()
    {
        var mutants = new List<(string File, LoaderFuzzing.Mutant Mutant)>();
        int seed = 100;
        foreach (var name in s_zipFiles)
        {
            byte[] valid = Reference(name);
            foreach (var m in LoaderFuzzing.Generic(valid, valid.Length, 500, seed++)) mutants.Add((name, m));
            foreach (var m in ZipSizeEdits(valid)) mutants.Add((name, m));
        }
        int cases = 0;
        foreach (var group in mutants.GroupBy(m => m.File))
        {
            var report = Fuzz("torch zip " + group.Key, Reference(group.Key), group.Select(g => g.Mutant with { Name = group.Key + ": " + g.Mutant.Name }));
            output.WriteLine(report.ToString());
            AssertClean(report, 500);
            cases += report.Cases;
        }
        Assert.True(cases >= 2000, $"{cases} cases");
    }

    [Fact]
    public void ZipFileMutantsFailCleanlyAndCheaplyWhenMapped()
    {
        // The same mutants through TorchFile.Map: the central directory and local headers it reads itself are checked against the file.
        using var files = new MappedFuzzing();
        int cases = 0;
        int seed = 100;
        foreach (var name in s_zipFiles)
        {
            byte[] valid = Reference(name);
            var mutants = LoaderFuzzing.Generic(valid, valid.Length, 500, seed++).Concat(ZipSizeEdits(valid)).Select(m => m with { Name = name + ": " + m.Name });
            var report = Fuzz("torch zip mapped " + name, valid, mutants, Mapped(files));
            output.WriteLine(report.ToString());
            AssertClean(report, 500);
            cases += report.Cases;
        }
        Assert.True(cases >= 2000, $"{cases} cases");
    }

    [Fact]
    public void PickleAndLegacyMutantsFailCleanlyAndCheaplyWhenMapped()
    {
        using var files = new MappedFuzzing();
        int cases = 0;
        foreach (var (name, seed) in new[] { ("dtypes", 7), ("views", 8), ("nested", 9) })
        {
            byte[] valid = Reference(name);
            byte[] pickle = PickleOf(valid);
            var edits = LoaderFuzzing.Generic(pickle, pickle.Length, 400, seed).Concat(PickleSizeEdits(pickle));
            var mutants = edits.Select(m => m with { Bytes = TorchFileTests.RezipPickle(valid, _ => m.Bytes) }).ToList();
            var report = Fuzz("torch pickle mapped " + name, valid, mutants, Mapped(files));
            output.WriteLine(report.ToString());
            AssertClean(report, 400);
            cases += report.Cases;
        }
        byte[] legacy = Reference("legacy");
        var legacyReport = Fuzz("torch legacy mapped", legacy, LoaderFuzzing.Generic(legacy, legacy.Length, 1000, seed: 11).Concat(PickleSizeEdits(legacy)), Mapped(files));
        output.WriteLine(legacyReport.ToString());
        AssertClean(legacyReport, 1000);
        Assert.True(cases >= 1200, $"{cases} cases");
    }

    [Fact]
    public void PickleMutantsFailCleanlyAndCheaply()
    {
        // Mutating data.pkl inside an intact zip reaches the unpickler and the tensor rebuilding, past the zip's own checks.
        int cases = 0;
        foreach (var (name, seed) in new[] { ("dtypes", 7), ("views", 8), ("nested", 9) })
        {
            byte[] valid = Reference(name);
            byte[] pickle = PickleOf(valid);
            var edits = LoaderFuzzing.Generic(pickle, pickle.Length, 400, seed).Concat(PickleSizeEdits(pickle));
            var mutants = edits.Select(m => m with { Bytes = TorchFileTests.RezipPickle(valid, _ => m.Bytes) }).ToList();
            var report = Fuzz("torch pickle " + name, valid, mutants);
            output.WriteLine(report.ToString());
            AssertClean(report, 400);
            cases += report.Cases;
        }
        Assert.True(cases >= 1200, $"{cases} cases");
    }

    [Fact]
    public void LegacyFileMutantsFailCleanlyAndCheaply()
    {
        byte[] valid = Reference("legacy");
        var report = Fuzz("torch legacy", valid, LoaderFuzzing.Generic(valid, valid.Length, 1000, seed: 11).Concat(PickleSizeEdits(valid)));
        output.WriteLine(report.ToString());
        AssertClean(report, 1000);
    }

    /// <summary>Edits of every size, count and offset field of the zip's local headers, central directory and end record.</summary>
    private static IEnumerable<LoaderFuzzing.Mutant> ZipSizeEdits(byte[] valid)
    {
        var fields = new List<(string What, int At, int Width)>();
        for (int i = 0; i + 4 <= valid.Length; i++)
        {
            uint signature = BinaryPrimitives.ReadUInt32LittleEndian(valid.AsSpan(i));
            switch (signature)
            {
                case 0x04034b50 when i + 30 <= valid.Length: // local file header
                    fields.AddRange([($"local header at {i}: compressed size", i + 18, 4), ($"local header at {i}: size", i + 22, 4),
                                     ($"local header at {i}: name length", i + 26, 2), ($"local header at {i}: extra length", i + 28, 2)]);
                    break;
                case 0x02014b50 when i + 46 <= valid.Length: // central directory header
                    fields.AddRange([($"directory entry at {i}: compressed size", i + 20, 4), ($"directory entry at {i}: size", i + 24, 4),
                                     ($"directory entry at {i}: name length", i + 28, 2), ($"directory entry at {i}: extra length", i + 30, 2),
                                     ($"directory entry at {i}: comment length", i + 32, 2), ($"directory entry at {i}: header offset", i + 42, 4)]);
                    break;
                case 0x06054b50 when i + 22 <= valid.Length: // end of central directory
                    fields.AddRange([("end record: entries on disk", i + 8, 2), ("end record: entries", i + 10, 2),
                                     ("end record: directory size", i + 12, 4), ("end record: directory offset", i + 16, 4),
                                     ("end record: comment length", i + 20, 2)]);
                    break;
                case 0x06064b50 when i + 56 <= valid.Length: // zip64 end of central directory
                    fields.AddRange([("zip64 end record: entries", i + 32, 8), ("zip64 end record: directory size", i + 40, 8),
                                     ("zip64 end record: directory offset", i + 48, 8)]);
                    break;
            }
        }
        Assert.Contains(fields, f => f.What.StartsWith("end record", StringComparison.Ordinal));
        foreach (var (what, at, width) in fields)
        {
            long original = width switch
            {
                2 => BinaryPrimitives.ReadUInt16LittleEndian(valid.AsSpan(at)),
                4 => BinaryPrimitives.ReadUInt32LittleEndian(valid.AsSpan(at)),
                _ => BinaryPrimitives.ReadInt64LittleEndian(valid.AsSpan(at)),
            };
            foreach (long value in LoaderFuzzing.InterestingSizes(original).Distinct())
            {
                var bytes = (byte[])valid.Clone();
                switch (width)
                {
                    case 2: BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), unchecked((ushort)value)); break;
                    case 4: BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), unchecked((uint)value)); break;
                    default: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), value); break;
                }
                yield return new($"{what} = {value}", bytes);
            }
        }
    }

    /// <summary>
    /// Oversized lengths and counts inside a pickle: each small integer (BININT1, the storages' element
    /// counts, sizes, strides and offsets) becomes a BININT or a LONG1 of an interesting value, and each
    /// string's 4-byte length field is rewritten.
    /// </summary>
    private static IEnumerable<LoaderFuzzing.Mutant> PickleSizeEdits(byte[] pickle)
    {
        long[] values = [0, 1, 255, 65536, int.MaxValue, uint.MaxValue, -1, (long)int.MaxValue + 1, long.MaxValue, long.MinValue];
        for (int i = 2; i + 1 < pickle.Length; i++)
        {
            if (pickle[i] == (byte)'K')
            {
                foreach (long value in values)
                {
                    byte[] replacement = value is >= int.MinValue and <= int.MaxValue
                        ? [(byte)'J', .. BitConverter.GetBytes((int)value)]
                        : [0x8a, 8, .. BitConverter.GetBytes(value)];
                    yield return new($"BININT1 at {i} ({pickle[i + 1]}) = {value}", [.. pickle[..i], .. replacement, .. pickle[(i + 2)..]]);
                }
            }
            else if (pickle[i] == (byte)'X' && i + 5 <= pickle.Length)
            {
                uint original = BinaryPrimitives.ReadUInt32LittleEndian(pickle.AsSpan(i + 1));
                if (original > 256) continue; // not a string's length field
                foreach (long value in LoaderFuzzing.InterestingSizes(original).Distinct())
                {
                    var bytes = (byte[])pickle.Clone();
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 1), unchecked((uint)value));
                    yield return new($"BINUNICODE length at {i} ({original}) = {unchecked((uint)value)}", bytes);
                }
            }
        }
    }

    private static byte[] PickleOf(byte[] zipFile)
    {
        using var zip = new ZipArchive(new MemoryStream(zipFile), ZipArchiveMode.Read);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
        using var data = entry.Open();
        var copy = new MemoryStream();
        data.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public void APickleEntryDeclaringMoreBytesThanItHoldsCostsNoMemoryForThem()
    {
        // data.pkl is stored (356 bytes); its directory entry declares 300,000, within deflate's ratio of the stored size.
        byte[] bytes = Reference("views");
        int directory = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        Assert.True(directory > 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(directory + 24), 300_000);
        TorchFile.LoadObject(new MemoryStream(Reference("views")));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.LoadObject(new MemoryStream(bytes)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("data.pkl", e.Message);
        Assert.True(allocated < 100_000, $"allocated {allocated} bytes");
    }

    /// <summary>views.pt with every entry copied and one more named <paramref name="extra"/>, or with its archive folder renamed.</summary>
    private static byte[] WithEntryNames(Func<string, string> rename, string? extra)
    {
        using var input = new ZipArchive(new MemoryStream(Reference("views")), ZipArchiveMode.Read);
        var result = new MemoryStream();
        using (var zip = new ZipArchive(result, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var source = entry.Open();
                using var target = zip.CreateEntry(rename(entry.FullName), CompressionLevel.NoCompression).Open();
                source.CopyTo(target);
            }
            if (extra is not null)
            {
                using var target = zip.CreateEntry(extra, CompressionLevel.NoCompression).Open();
                target.Write("#!/bin/sh\n"u8);
            }
        }
        return result.ToArray();
    }

    [Theory]
    [InlineData("../evil.sh")]
    [InlineData("views/../../evil.sh")]
    [InlineData("views/data/..")]
    [InlineData("/etc/cron.d/evil")]
    [InlineData("\\windows\\evil.bat")]
    [InlineData("C:/evil.bat")]
    [InlineData("views\\..\\..\\evil.sh")]
    public void ZipEntriesThatArePathsOutOfTheArchiveAreRefusedNamingThem(string name)
    {
        Assert.NotEmpty(TorchFile.Load(new MemoryStream(WithEntryNames(n => n, "views/extra.txt"))));
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(WithEntryNames(n => n, name))));
        Assert.Contains($"zip entry '{name}'", e.Message);
        Assert.Contains("'..'", e.Message);
    }

    [Fact]
    public void AnArchiveFolderThatClimbsOutIsRefused()
    {
        var bytes = WithEntryNames(n => "../" + n, null);
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(bytes)));
        Assert.Contains("zip entry '../views/", e.Message);
    }

    /// <summary>Every opcode of pickle protocols 0 to 5 that the restricted unpickler does not implement, by pickletools' name.</summary>
    public static TheoryData<byte, string> RefusedOpcodes() => new()
    {
        { (byte)'I', "INT" }, { (byte)'L', "LONG" }, { (byte)'F', "FLOAT" }, { (byte)'S', "STRING" }, { (byte)'V', "UNICODE" },
        { (byte)'g', "GET" }, { (byte)'p', "PUT" }, { (byte)'i', "INST" }, { (byte)'o', "OBJ" }, { (byte)'P', "PERSID" },
        { 0x82, "EXT1" }, { 0x83, "EXT2" }, { 0x84, "EXT4" }, { 0x92, "NEWOBJ_EX" }, { 0x97, "NEXT_BUFFER" }, { 0x98, "READONLY_BUFFER" },
    };

    [Theory]
    [MemberData(nameof(RefusedOpcodes))]
    public void OpcodesOutsideTheSubsetAreRefusedByName(byte opcode, string name)
    {
        // MARK, then the opcode with arguments that would be valid for it: the refusal must come from the opcode itself.
        byte[] pickle = [0x80, 2, (byte)'(', opcode, .. "os\nsystem\n"u8, 1, 0, 0, 0, (byte)'.'];
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.LoadObject(new MemoryStream(RezipViews(pickle))));
        Assert.Contains($"opcode {name}", e.Message);
        Assert.Contains("is not allowed", e.Message);
    }

    [Fact]
    public void EveryByteThatIsNoPickleOpcodeIsRefusedByItsValue()
    {
        // The bytes pickletools defines no opcode for.
        var defined = new HashSet<byte>("().012BCFGIJKLMNPQRSTUVX]abcdeghijlopqrstu}"u8.ToArray());
        for (int op = 0x80; op <= 0x98; op++) defined.Add((byte)op);
        int refused = 0;
        for (int op = 0; op < 256; op++)
        {
            if (defined.Contains((byte)op)) continue;
            var e = Assert.Throws<InvalidDataException>(() => TorchFile.LoadObject(new MemoryStream(RezipViews([0x80, 2, (byte)op, (byte)'.']))));
            Assert.Contains($"opcode 0x{op:x2} is not allowed", e.Message);
            refused++;
        }
        Assert.Equal(256 - defined.Count, refused);
    }

    public static TheoryData<string, string> ForbiddenGlobals() => new()
    {
        { "os", "system" }, { "posix", "system" }, { "nt", "system" }, { "subprocess", "Popen" }, { "builtins", "eval" },
        { "builtins", "exec" }, { "builtins", "getattr" }, { "builtins", "__import__" }, { "__builtin__", "eval" },
        { "runpy", "_run_code" }, { "pickle", "loads" }, { "functools", "partial" }, { "operator", "attrgetter" },
        { "collections", "defaultdict" }, { "numpy.core.multiarray", "_reconstruct" }, { "torch", "load" },
        { "torch.storage", "_load_from_bytes" }, { "torch._tensor", "_rebuild_from_type_v2" }, { "torch", "Tensor" },
        { "torch._utils", "_rebuild_device_tensor_from_numpy" }, { "torch.serialization", "_get_layout" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenGlobals))]
    public void GlobalsOutsideTheAllowListAreRefusedNamingThem(string module, string name)
    {
        byte[] global = [0x80, 2, (byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n"), (byte)'.'];
        byte[] stackGlobal = [0x80, 2, 0x8c, (byte)module.Length, .. Encoding.ASCII.GetBytes(module), 0x8c, (byte)name.Length, .. Encoding.ASCII.GetBytes(name), 0x93, (byte)'.'];
        foreach (var pickle in new[] { global, stackGlobal })
        {
            var e = Assert.Throws<InvalidDataException>(() => TorchFile.LoadObject(new MemoryStream(RezipViews(pickle))));
            Assert.Contains($"GLOBAL {module}.{name} is not an allowed global", e.Message);
        }
    }

    [Fact]
    public void EveryAllowedGlobalResolves()
    {
        // The control for the test above: the same pickle naming an allowed global loads (as the global itself).
        foreach (var full in TorchFile.AllowedGlobals.Append("torch.FloatStorage"))
        {
            int dot = full.LastIndexOf('.');
            byte[] pickle = [0x80, 2, (byte)'c', .. Encoding.ASCII.GetBytes($"{full[..dot]}\n{full[(dot + 1)..]}\n"), (byte)'.'];
            Assert.NotNull(TorchFile.LoadObject(new MemoryStream(RezipViews(pickle))));
        }
    }

    private static byte[] RezipViews(byte[] pickle) => TorchFileTests.RezipPickle(Reference("views"), _ => pickle);
}
