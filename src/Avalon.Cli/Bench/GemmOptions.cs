using Avalon.Backends.Cpu;

namespace Avalon.Cli.Bench;

/// <summary>The settings of <c>avalon bench gemm</c>, with torch_gemm.py's defaults.</summary>
internal sealed record GemmOptions
{
    /// <summary>Square sizes n.</summary>
    public int[] Sizes { get; init; } = [128, 256, 512, 1024, 2048];

    /// <summary>Thread counts, each run over every size.</summary>
    public int[] Threads { get; init; } = [1, 2];

    /// <summary>Minimum seconds of repetitions per case.</summary>
    public double MinTime { get; init; } = 1.0;

    /// <summary>Minimum repetitions per case.</summary>
    public int MinReps { get; init; } = 5;

    /// <summary>Maximum repetitions per case.</summary>
    public int MaxReps { get; init; } = 2000;

    /// <summary>float32 or float64.</summary>
    public string DType { get; init; } = "float32";

    /// <summary>nn, nt, tn or tt: which operands are stored transposed.</summary>
    public string Layout { get; init; } = "nn";

    /// <summary>The micro-kernel (auto: the widest the processor has).</summary>
    public GemmKernelKind Kernel { get; init; } = GemmKernelKind.Auto;

    /// <summary>Print one JSON line instead of a line per case.</summary>
    public bool Json { get; init; }

    /// <summary>Throws <see cref="BenchOptionException"/> naming the option that is out of range.</summary>
    public void Validate()
    {
        if (Sizes.Length == 0 || Sizes.Any(n => n < 1)) throw new BenchOptionException($"--sizes must list sizes of at least 1, got [{string.Join(", ", Sizes)}].");
        if (Threads.Length == 0 || Threads.Any(t => t < 1)) throw new BenchOptionException($"--threads must list counts of at least 1, got [{string.Join(", ", Threads)}].");
        if (MinTime < 0 || MinReps < 1 || MaxReps < MinReps)
            throw new BenchOptionException($"--min-time must be ≥ 0 and 1 ≤ --min-reps ≤ --max-reps, got {MinTime}, {MinReps}, {MaxReps}.");
        if (DType is not ("float32" or "float64")) throw new BenchOptionException($"--dtype must be float32 or float64, got '{DType}'.");
        if (Layout is not ("nn" or "nt" or "tn" or "tt")) throw new BenchOptionException($"--layout must be nn, nt, tn or tt, got '{Layout}'.");
    }
}
