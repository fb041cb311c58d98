using Avalon.Nn;
using Avalon.Optim;
using Avalon.Optim.Schedulers;

namespace Avalon.Training.Checkpoints;

/// <summary>
/// Saves a model (and optionally its optimiser) to an Avalon checkpoint and loads it back:
/// <c>model.Save(path, optimizer, epoch)</c> and <c>model.Load(path, optimizer)</c>, over
/// <see cref="Checkpoint"/> (see <c>docs/checkpoint-format.md</c>).
/// </summary>
/// <example>
/// <code>
/// model.Save("epoch-3.safetensors", optimizer, epoch: 3);
/// // later, or in another process:
/// var model = new Net();
/// var optimizer = new Adam(model.Parameters(), lr: 1e-3);
/// var checkpoint = model.Load("epoch-3.safetensors", optimizer);   // training continues from epoch checkpoint.Epoch + 1
/// </code>
/// </example>
public static class ModuleCheckpointExtensions
{
    /// <summary>
    /// Writes the model's state dict, and the optimiser's and scheduler's state when given, to
    /// <paramref name="path"/> atomically (a crash never leaves a half-written file in place of a good one).
    /// </summary>
    /// <param name="model">The model whose parameters and persistent buffers are saved.</param>
    /// <param name="path">The checkpoint file (conventionally <c>*.safetensors</c>).</param>
    /// <param name="optimizer">The optimiser whose state is saved with the model, or <see langword="null"/>.</param>
    /// <param name="epoch">The epoch to record, or <see langword="null"/>.</param>
    /// <param name="metadata">Free-form string entries to keep with the checkpoint, or <see langword="null"/>.</param>
    /// <param name="scheduler">The learning-rate scheduler whose state is saved too, or <see langword="null"/>.</param>
    /// <param name="allowNonFinite">Save even when a weight is NaN or infinite (refused by default, naming the first such tensor).</param>
    /// <exception cref="ArgumentException">A tensor holds a non-finite value and <paramref name="allowNonFinite"/> is false; nothing is written.</exception>
    public static void Save(this Module model, string path, Optimizer? optimizer = null, int? epoch = null, IReadOnlyDictionary<string, string>? metadata = null,
        ILearningRateScheduler? scheduler = null, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var schedulerState = scheduler is null ? null : new SchedulerCheckpointState(scheduler.GetType().Name, scheduler.StateDict());
        Checkpoint.Save(path, model.StateDict(), optimizer?.ToCheckpointState(), epoch, metadata, schedulerState, allowNonFinite);
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> into the model (copying values into its existing
    /// tensors) and, when given, into the optimiser and the scheduler: all or nothing.
    /// </summary>
    /// <remarks>
    /// The whole file is read and checked before anything changes: its checksums, the model's names,
    /// shapes and dtypes, the optimiser's type, groups, hyperparameters and every state entry, and the
    /// scheduler's state. When anything fails the model, optimiser and scheduler are left exactly as
    /// they were and one <see cref="CheckpointException"/> lists every problem.
    /// </remarks>
    /// <param name="model">The model to load into; its parameter names, shapes and dtypes must match the file's.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="optimizer">The optimiser to restore (over the model's parameters, built as when saving), or <see langword="null"/>.</param>
    /// <param name="strict">When true (default), keys missing from the file or unknown to the model are errors.</param>
    /// <param name="scheduler">The learning-rate scheduler to restore (of the type saved, over <paramref name="optimizer"/>), or <see langword="null"/>.</param>
    /// <returns>The checkpoint, for its <see cref="Checkpoint.Epoch"/> and <see cref="Checkpoint.Metadata"/>.</returns>
    /// <exception cref="CheckpointException">The file is damaged or not a checkpoint, or its contents do not fit the model, optimiser or scheduler; nothing was changed.</exception>
    /// <exception cref="ArgumentException"><paramref name="scheduler"/> schedules another optimiser than <paramref name="optimizer"/>.</exception>
    public static Checkpoint Load(this Module model, string path, Optimizer? optimizer = null, bool strict = true, ILearningRateScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (scheduler is not null && optimizer is not null && !ReferenceEquals(scheduler.Optimizer, optimizer))
            throw OpErrors.Argument("Module.Load", "the scheduler given schedules another optimiser than the one given; pass the scheduler built over that optimiser.", nameof(scheduler));
        var checkpoint = Checkpoint.Load(path);
        var problems = new List<string>();
        var mismatch = model.CheckStateDict(checkpoint.ModelState, strict);
        if (mismatch is not null)
        {
            if (mismatch.MissingKeys.Count > 0)
                problems.Add($"Missing key(s) in state_dict of {mismatch.ModuleName}: {string.Join(", ", mismatch.MissingKeys.Select(k => "\"" + k + "\""))}.");
            if (mismatch.UnexpectedKeys.Count > 0)
                problems.Add($"Unexpected key(s) in state_dict of {mismatch.ModuleName}: {string.Join(", ", mismatch.UnexpectedKeys.Select(k => "\"" + k + "\""))}.");
            problems.AddRange(mismatch.Mismatches);
        }
        Optimizer.PreparedState? optimizerState = null;
        if (optimizer is not null)
        {
            if (checkpoint.OptimizerState is null)
                problems.Add("it holds no optimiser state, but an optimiser was given to restore; save with model.Save(path, optimizer), or load without the optimiser.");
            else
                optimizerState = OptimizerCheckpointExtensions.Prepare(optimizer, checkpoint.OptimizerState, problems);
        }
        if (scheduler is not null)
        {
            string own = scheduler.GetType().Name;
            if (checkpoint.SchedulerState is not { } saved)
                problems.Add($"it holds no scheduler state, but a {own} was given to restore; save with model.Save(path, optimizer, scheduler: scheduler).");
            else if (saved.Type != own)
                problems.Add($"the saved scheduler state is from {saved.Type}, but the scheduler given is {own}.");
            else
                foreach (var problem in scheduler.CheckStateDict(saved.State)) problems.Add($"scheduler {own}: {problem}");
        }
        if (problems.Count > 0) throw new CheckpointException("Module.Load", path, problems, mismatch);

        // Everything fits: the commits below cannot fail.
        model.LoadStateDict(checkpoint.ModelState, strict);
        if (optimizerState is not null) optimizer!.CommitLoad(optimizerState);
        if (scheduler is not null) scheduler.LoadStateDict(checkpoint.SchedulerState!.State);
        return checkpoint;
    }
}
