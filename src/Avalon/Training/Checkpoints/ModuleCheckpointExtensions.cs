using Avalon.Nn;
using Avalon.Optim;

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
    /// Writes the model's state dict, and the optimiser's state when given, to <paramref name="path"/>
    /// atomically (a crash never leaves a half-written file in place of a good one).
    /// </summary>
    /// <param name="model">The model whose parameters and persistent buffers are saved.</param>
    /// <param name="path">The checkpoint file (conventionally <c>*.safetensors</c>).</param>
    /// <param name="optimizer">The optimiser whose state is saved with the model, or <see langword="null"/>.</param>
    /// <param name="epoch">The epoch to record, or <see langword="null"/>.</param>
    /// <param name="metadata">Free-form string entries to keep with the checkpoint, or <see langword="null"/>.</param>
    public static void Save(this Module model, string path, Optimizer? optimizer = null, int? epoch = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        Checkpoint.Save(path, model.StateDict(), optimizer?.ToCheckpointState(), epoch, metadata);
    }

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/> into the model (copying values into its existing
    /// tensors) and, when given, into the optimiser.
    /// </summary>
    /// <param name="model">The model to load into; its parameter names, shapes and dtypes must match the file's.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="optimizer">The optimiser to restore (over the model's parameters, built as when saving), or <see langword="null"/>.</param>
    /// <param name="strict">When true (default), keys missing from the file or unknown to the model are errors.</param>
    /// <returns>The checkpoint, for its <see cref="Checkpoint.Epoch"/> and <see cref="Checkpoint.Metadata"/>.</returns>
    /// <exception cref="StateDictMismatchException">Names, shapes or dtypes do not match; the message lists every difference and nothing is loaded.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint, or an optimiser was given and the file holds no optimiser state.</exception>
    /// <exception cref="ArgumentException">The saved optimiser state belongs to another kind of optimiser or other parameter groups; nothing is loaded.</exception>
    public static Checkpoint Load(this Module model, string path, Optimizer? optimizer = null, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var checkpoint = Checkpoint.Load(path);
        OptimizerStateDict? optimizerState = null;
        if (optimizer is not null)
        {
            if (checkpoint.OptimizerState is null)
                throw new InvalidDataException(
                    $"Module.Load: '{path}' holds no optimiser state, but an optimiser was given to restore; save with model.Save(path, optimizer), or load without the optimiser.");
            // Check the optimiser's state before touching the model, so a mismatch leaves both as they were.
            optimizerState = OptimizerCheckpointExtensions.Prepare(optimizer, checkpoint.OptimizerState, "Module.Load");
        }
        model.LoadStateDict(checkpoint.ModelState, strict);
        if (optimizerState is not null) optimizer!.LoadStateDict(optimizerState);
        return checkpoint;
    }
}
