using System.Globalization;

namespace Avalon.Samples.FashionMnist;

/// <summary>Command-line options of the sample.</summary>
internal sealed record SampleOptions
{
    public bool Full { get; init; }
    public int Epochs { get; init; }
    public int BatchSize { get; init; } = 100;
    public double LearningRate { get; init; } = 1e-3;
    public ulong Seed { get; init; } = 1;
    public string? DataDirectory { get; init; }
    public string OutputDirectory { get; init; } = Path.Combine("runs", "fashion-mnist");
    public int? Threads { get; init; }
    public int? Limit { get; init; }

    /// <summary>The options, for usage and error messages.</summary>
    public const string Known = "options: --full, --quick, --epochs N, --batch-size N, --lr X, --seed N, --data DIR, --out DIR, --threads N";

    public static SampleOptions Parse(string[] args)
    {
        var o = new SampleOptions();
        int? epochs = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value ({Known})");
            o = args[i] switch
            {
                "--full" => o with { Full = true },
                "--epochs" => o with { Epochs = (epochs = int.Parse(Value(), CultureInfo.InvariantCulture)).Value },
                "--batch-size" => o with { BatchSize = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--lr" => o with { LearningRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = ulong.Parse(Value(), CultureInfo.InvariantCulture) },
                "--data" => o with { DataDirectory = Value(), Full = true },
                "--out" => o with { OutputDirectory = Value() },
                "--threads" => o with { Threads = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--quick" => o with { Limit = 100, Epochs = epochs ??= 1 },
                _ => throw new ArgumentException($"unknown option '{args[i]}' ({Known})"),
            };
        }
        // The embedded sample is small: more passes over it; the full set reaches its target in 3.
        return o with { Epochs = epochs ?? (o.Full ? 3 : 8) };
    }
}
