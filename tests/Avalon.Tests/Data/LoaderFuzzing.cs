using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Avalon.Tests.Data;

/// <summary>
/// Mutation fuzzing of file readers: byte flips, byte overwrites, insertions and deletions,
/// truncations, appended junk and edits of the format's size fields, each load measured for the
/// exception it raises, the bytes it allocates (<see cref="GC.GetAllocatedBytesForCurrentThread"/>)
/// and its wall time.
/// </summary>
internal static class LoaderFuzzing
{
    /// <summary>One mutant file and how it was made.</summary>
    public readonly record struct Mutant(string Name, byte[] Bytes);

    /// <summary>What a run over many mutants found.</summary>
    public sealed class Report(string format)
    {
        public string Format { get; } = format;
        public int Cases { get; set; }
        public int Accepted { get; set; }
        public SortedDictionary<string, int> Exceptions { get; } = new(StringComparer.Ordinal);
        public List<string> Failures { get; } = [];
        public List<string> AcceptedNames { get; } = [];
        public long WorstAllocation { get; set; }
        public int WorstAllocationFileSize { get; set; }
        public string WorstAllocationCase { get; set; } = "";
        public double WorstRatio { get; set; }
        public string WorstRatioCase { get; set; } = "";
        public TimeSpan WorstTime { get; set; }
        public string WorstTimeCase { get; set; } = "";
        public TimeSpan Total { get; set; }

        public override string ToString()
        {
            var c = CultureInfo.InvariantCulture;
            var text = new StringBuilder();
            text.Append(c, $"{Format}: {Cases} cases in {Total.TotalSeconds:0.00} s, {Accepted} loaded, exceptions: ");
            text.Append(string.Join(", ", Exceptions.Select(e => $"{e.Key} {e.Value}")));
            text.Append(c, $"; worst allocation {WorstAllocation} bytes for a {WorstAllocationFileSize}-byte file ({WorstAllocationCase})");
            text.Append(c, $"; worst allocation/size over files of 1 KB or more {WorstRatio:0.00}x ({WorstRatioCase})");
            text.Append(c, $"; slowest {WorstTime.TotalMilliseconds:0.0} ms ({WorstTimeCase})");
            return text.ToString();
        }
    }

    /// <summary>
    /// Loads every mutant, recording failures: an exception of a type not in <paramref name="allowed"/>,
    /// an allocation above <paramref name="allocationFactor"/> × the file size + <paramref name="allocationSlack"/>,
    /// or a load over <paramref name="timeLimit"/>.
    /// </summary>
    public static Report Run(string format, byte[] valid, IEnumerable<Mutant> mutants, Action<Stream> load, Type[] allowed,
        double allocationFactor, long allocationSlack, TimeSpan timeLimit)
    {
        // Compile the reader's paths once before timing them.
        load(new MemoryStream(valid, writable: false));
        foreach (var warm in Generic(valid, 16, 32, seed: 1))
        {
            try
            {
                load(new MemoryStream(warm.Bytes, writable: false));
            }
            catch (Exception)
            {
            }
        }
        var report = new Report(format);
        var total = Stopwatch.StartNew();
        foreach (var mutant in mutants)
        {
            report.Cases++;
            var stream = new MemoryStream(mutant.Bytes, writable: false);
            Exception? error = null;
            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            try
            {
                load(stream);
            }
            catch (Exception e)
            {
                error = e;
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            if (error is null)
            {
                report.Accepted++;
                report.AcceptedNames.Add(mutant.Name);
            }
            else
            {
                string type = error.GetType().Name;
                report.Exceptions[type] = report.Exceptions.GetValueOrDefault(type) + 1;
                if (!allowed.Contains(error.GetType()))
                    report.Failures.Add($"{mutant.Name}: {error.GetType().Name}: {error.Message}");
            }
            double ratio = (double)allocated / Math.Max(1, mutant.Bytes.Length);
            if (allocated > report.WorstAllocation)
            {
                report.WorstAllocation = allocated;
                report.WorstAllocationFileSize = mutant.Bytes.Length;
                report.WorstAllocationCase = mutant.Name;
            }
            if (mutant.Bytes.Length >= 1024 && ratio > report.WorstRatio)
            {
                report.WorstRatio = ratio;
                report.WorstRatioCase = mutant.Name;
            }
            if (allocated > allocationFactor * mutant.Bytes.Length + allocationSlack)
                report.Failures.Add($"{mutant.Name}: allocated {allocated} bytes for a file of {mutant.Bytes.Length}");
            if (elapsed > report.WorstTime)
            {
                report.WorstTime = elapsed;
                report.WorstTimeCase = mutant.Name;
            }
            if (elapsed > timeLimit)
                report.Failures.Add($"{mutant.Name}: took {elapsed.TotalMilliseconds:0} ms");
        }
        report.Total = total.Elapsed;
        return report;
    }

    /// <summary>Values worth writing into a size field: the edges of the integer types and near the original.</summary>
    public static long[] InterestingSizes(long original) =>
        [0, 1, 2, 7, 8, 255, 256, 65535, 65536, 2_700_000, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue, long.MaxValue, -1, -2,
         original - 1, original + 1, original * 2, original + 8, original / 2];

    /// <summary>
    /// <paramref name="count"/> generic mutants of <paramref name="valid"/>: bit flips (half of them in
    /// the first <paramref name="headerBytes"/> bytes), overwritten bytes, insertions, deletions,
    /// truncations and appended junk.
    /// </summary>
    public static IEnumerable<Mutant> Generic(byte[] valid, int headerBytes, int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            int kind = random.Next(6);
            byte[] bytes;
            string name;
            switch (kind)
            {
                case 0:
                {
                    bytes = (byte[])valid.Clone();
                    int flips = 1 + random.Next(4);
                    var at = new List<int>();
                    for (int f = 0; f < flips; f++)
                    {
                        int limit = random.Next(2) == 0 ? Math.Min(headerBytes, valid.Length) : valid.Length;
                        int p = random.Next(limit);
                        bytes[p] ^= (byte)(1 << random.Next(8));
                        at.Add(p);
                    }
                    name = $"flip bits at {string.Join(",", at)}";
                    break;
                }
                case 1:
                {
                    bytes = (byte[])valid.Clone();
                    int p = random.Next(Math.Min(headerBytes, valid.Length));
                    bytes[p] = (byte)random.Next(256);
                    name = $"overwrite byte {p} with {bytes[p]}";
                    break;
                }
                case 2:
                {
                    int p = random.Next(valid.Length + 1);
                    bytes = [.. valid[..p], (byte)random.Next(256), .. valid[p..]];
                    name = $"insert a byte at {p}";
                    break;
                }
                case 3:
                {
                    int p = random.Next(valid.Length);
                    bytes = [.. valid[..p], .. valid[(p + 1)..]];
                    name = $"delete byte {p}";
                    break;
                }
                case 4:
                {
                    int length = random.Next(2) == 0 ? random.Next(valid.Length) : Math.Max(0, valid.Length - 1 - random.Next(16));
                    bytes = valid[..length];
                    name = $"truncate to {length}";
                    break;
                }
                default:
                {
                    int junk = random.Next(3) switch { 0 => 1 + random.Next(8), 1 => 1 + random.Next(64), _ => 1 + random.Next(4096) };
                    var tail = new byte[junk];
                    random.NextBytes(tail);
                    if (random.Next(4) == 0) Array.Clear(tail);
                    bytes = [.. valid, .. tail];
                    name = $"append {junk} junk bytes";
                    break;
                }
            }
            yield return new Mutant(name, bytes);
        }
    }
}
