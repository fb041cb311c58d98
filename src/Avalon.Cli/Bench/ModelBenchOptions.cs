namespace Avalon.Cli.Bench;

/// <summary>
/// The settings of one model benchmark (<c>avalon bench cnn|vae</c>), with the PyTorch scripts' defaults:
/// 2 threads, batch 100, seed 0, a 20-step warm-up, one epoch, 100 and 500 prediction repetitions.
/// </summary>
internal sealed record ModelBenchOptions
{
    /// <summary>Threads the kernels use (<see cref="Threads.Count"/>).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Images per training step and per batch-100 prediction.</summary>
    public int Batch { get; init; } = 100;

    /// <summary>Seed of the model's initialisation; the shuffle uses seed + 1.</summary>
    public ulong Seed { get; init; }

    /// <summary>Training steps on a throw-away model before timing.</summary>
    public int WarmupSteps { get; init; } = 20;

    /// <summary>Epochs timed (each shuffled afresh); the figures of the last one's model are reported.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>When above 0, only this many steps are timed per epoch and the epoch time is extrapolated.</summary>
    public int MaxSteps { get; init; }

    /// <summary>Timed predictions at batch 100.</summary>
    public int PredReps { get; init; } = 100;

    /// <summary>Timed predictions at batch 1.</summary>
    public int SingleReps { get; init; } = 500;

    /// <summary>The Fashion-MNIST folder (the IDX .gz files).</summary>
    public string DataDirectory { get; init; } = FashionTensors.DefaultDirectory;

    /// <summary>Where to write every timed step as CSV, or null.</summary>
    public string? StepTracePath { get; init; }

    /// <summary>Profile the compiled step (on the warm-up model) and report where its time goes.</summary>
    public bool Profile { get; init; }

    /// <summary>Print one JSON line instead of the summary.</summary>
    public bool Json { get; init; }

    /// <summary>Run prediction (and training) eagerly instead of through the compiler.</summary>
    public bool Eager { get; init; }

    /// <summary>The model of <c>bench cnn</c>: avalon or lenet (null for the VAE).</summary>
    public string? Model { get; init; }

    /// <summary>Throws <see cref="BenchOptionException"/> naming the option that is out of range.</summary>
    public void Validate()
    {
        if (Threads < 1) throw new BenchOptionException($"--threads must be at least 1, got {Threads}.");
        if (Batch < 1) throw new BenchOptionException($"--batch must be at least 1, got {Batch}.");
        if (Epochs < 1) throw new BenchOptionException($"--epochs must be at least 1, got {Epochs}.");
        if (WarmupSteps < 0) throw new BenchOptionException($"--warmup-steps must be 0 or more, got {WarmupSteps}.");
        if (MaxSteps < 0) throw new BenchOptionException($"--max-steps must be 0 (the whole epoch) or more, got {MaxSteps}.");
        if (PredReps < 1 || SingleReps < 1) throw new BenchOptionException($"--pred-reps and --single-reps must be at least 1, got {PredReps} and {SingleReps}.");
        if (Model is not (null or "avalon" or "lenet")) throw new BenchOptionException($"--model must be avalon or lenet, got '{Model}'.");
    }
}
