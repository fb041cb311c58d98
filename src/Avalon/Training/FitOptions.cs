using Avalon.Training.Progress;

namespace Avalon.Training;

/// <summary>Settings of <c>Fit</c> beyond the essentials: shuffling, batching, progress display.</summary>
/// <example>
/// <code>
/// var options = new FitOptions { Seed = 42, Progress = ProgressMode.Plain, LogEvery = 100 };
/// model.Fit(loss, optimizer, train, epochs: 5, batchSize: 64, options: options);
/// </code>
/// </example>
public sealed class FitOptions
{
    /// <summary>Whether each epoch visits the training samples in a new random order. Default true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>The generator that draws the shuffle order; <see langword="null"/> (default) uses <see cref="Seed"/>, or <see cref="Avalon.Generator.Default"/> when that is unset too.</summary>
    public Generator? Generator { get; set; }

    /// <summary>A seed for a fresh shuffle generator, so two runs with the same seed see the same batches; setting both this and <see cref="Generator"/> is an error.</summary>
    public ulong? Seed { get; set; }

    /// <summary>Whether to skip a last training batch smaller than the batch size. Default false.</summary>
    public bool DropLast { get; set; }

    /// <summary>Whether to build the next batch on a worker task while the current one trains. Default true.</summary>
    public bool Prefetch { get; set; } = true;

    /// <summary>How to show progress. Default <see cref="ProgressMode.Auto"/>: a live bar on an interactive terminal, plain lines otherwise.</summary>
    public ProgressMode Progress { get; set; } = ProgressMode.Auto;

    /// <summary>Where plain progress lines go; <see langword="null"/> (default) is standard output. A writer given here always gets plain lines (unless <see cref="Progress"/> is <see cref="ProgressMode.Silent"/>).</summary>
    public TextWriter? ProgressOutput { get; set; }

    /// <summary>When positive, also write a status line every this many training steps (for logs of long epochs). Default 0: only the display's own lines.</summary>
    public int LogEvery { get; set; }

    /// <summary>The batch size for validation; <see langword="null"/> (default) uses the training batch size.</summary>
    public int? ValidationBatchSize { get; set; }

    /// <summary>The clock for durations, throughput and ETA; <see langword="null"/> (default) is the system clock.</summary>
    public TimeProvider? Time { get; set; }

    /// <summary>
    /// What to do when a training step's loss or a gradient is NaN or infinite. Default
    /// <see cref="NonFiniteAction.Stop"/>: raise <see cref="NonFiniteException"/> (naming the epoch, batch,
    /// loss and first non-finite tensor) before the optimiser applies the step.
    /// <see cref="NonFiniteAction.Skip"/> skips the batch's update and counts it in
    /// <see cref="EpochResult.SkippedSteps"/>; <see cref="NonFiniteAction.Ignore"/> checks nothing.
    /// The checks read the loss, every gradient and, after the update, every parameter once per step.
    /// </summary>
    public NonFiniteAction OnNonFinite { get; set; } = NonFiniteAction.Stop;

    /// <summary>
    /// Whether to train with a compiled step (<see cref="TrainStep"/>: forward, loss and backward traced
    /// once per batch shape and run over one memory plan, then the optimiser's multi-tensor update).
    /// Default true; the validation forward is then compiled too (traced once per batch shape for the whole
    /// Fit). The non-finite guard runs between backward and the update, as in the eager loop, so
    /// <see cref="OnNonFinite"/> keeps its meaning. Fit trains eagerly instead, after one line on the
    /// progress output ("compiled step unavailable (reason); training eagerly"), when the step cannot be
    /// compiled: an optimiser without a multi-tensor update (SGD, Adam and AdamW have one), a distributed model
    /// that cannot all-reduce outside an eager backward (<c>DistributedDataParallel</c> can: the compiled step
    /// all-reduces between its backward and its update), or a trace that fails (a loss that reads values on the host, a primitive
    /// without a kernel). A compiled step is a static graph: the model and the loss are called once per
    /// batch shape while tracing, so code whose control flow changes from call to call without reading
    /// tensor values (a counter in a closure, say) is followed only with <c>Compile = false</c>.
    /// </summary>
    public bool Compile { get; set; } = true;

    /// <summary>Stops training with <see cref="OperationCanceledException"/> when cancelled (checked between batches).</summary>
    public CancellationToken CancellationToken { get; set; }
}
