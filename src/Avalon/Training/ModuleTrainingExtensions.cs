using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training.Callbacks;
using Avalon.Training.Metrics;

namespace Avalon.Training;

/// <summary>
/// One-line training, evaluation and prediction for any <see cref="Module"/>:
/// <c>model.Fit(...)</c>, <c>model.Evaluate(...)</c>, <c>model.Predict(...)</c>.
/// </summary>
/// <example>
/// <code>
/// var model = new Net();
/// var optimizer = new Adam(model.Parameters(), lr: 1e-3);
/// var history = model.Fit(new CrossEntropyLoss(), optimizer, train, epochs: 10, batchSize: 64,
///     validation: test, metrics: [new Accuracy()],
///     callbacks: [new EarlyStopping(patience: 2), new ModelCheckpoint("best.safetensors")],
///     options: new FitOptions { Seed = 0 });
/// history.SaveSvg("training.svg");
/// // A loss function works too; Functional's losses have optional arguments, so wrap them in a lambda.
/// var result = model.Evaluate((output, target) => CrossEntropy(output, target), test, metrics: [new Accuracy()]);
/// Tensor logits = model.Predict(test);
/// </code>
/// </example>
public static class ModuleTrainingExtensions
{
    /// <summary>The batch size <see cref="Evaluate(Module, Func{Tensor, Tensor, Tensor}, IDataset, int, IReadOnlyList{IMetric}?)"/> and <c>Predict</c> use unless told otherwise.</summary>
    public const int DefaultInferenceBatchSize = 256;

    /// <summary>
    /// Trains the model for <paramref name="epochs"/> passes over <paramref name="train"/> (Keras's
    /// <c>fit</c> over PyTorch's eager loop) and returns the per-epoch history.
    /// </summary>
    /// <remarks>
    /// <para>Each step puts the model in training mode, zeroes the gradients, runs
    /// <c>loss(model.Forward(input), target)</c>, calls <see cref="Tensor.Backward"/> and
    /// <see cref="Optimizer.Step()"/>. The target is the samples' second tensor, or the input itself
    /// when samples hold one tensor (autoencoders). The epoch's loss is the mean over samples (each
    /// batch's loss weighted by its size); metrics are accumulated over the epoch from the outputs.</para>
    /// <para>After each epoch: validation on <paramref name="validation"/> in evaluation mode without
    /// gradients (<c>val_loss</c>, <c>val_&lt;metric&gt;</c>), the progress line, the callbacks'
    /// <see cref="ICallback.OnEpochEnd"/>, and a record in the history. The model's training modes are
    /// restored when <c>Fit</c> returns. With the same seed (<see cref="FitOptions.Seed"/>), the same
    /// initial weights and no other randomness, two runs give identical histories.</para>
    /// </remarks>
    /// <param name="model">The model to train; its parameters are updated in place.</param>
    /// <param name="loss">The loss, <c>(output, target) =&gt; scalar</c>, for example <c>(o, t) =&gt; Functional.CrossEntropy(o, t)</c>.</param>
    /// <param name="optimizer">The optimiser, built over the model's parameters.</param>
    /// <param name="train">The training samples (input, target).</param>
    /// <param name="epochs">The number of passes over <paramref name="train"/> (≥ 1).</param>
    /// <param name="batchSize">The number of samples per step (≥ 1).</param>
    /// <param name="validation">Samples to evaluate after each epoch, or <see langword="null"/>.</param>
    /// <param name="metrics">Metrics to track on training and validation data (for example <see cref="Accuracy"/>); names must be distinct.</param>
    /// <param name="callbacks">Code to run at fixed points (early stopping, checkpoints, schedules), in order.</param>
    /// <param name="options">Shuffling, progress display and other settings; <see langword="null"/> for the defaults.</param>
    /// <returns>One <see cref="EpochResult"/> per finished epoch.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> or <paramref name="batchSize"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">The loss is not a single floating-point value, or does not depend on any trainable tensor.</exception>
    /// <exception cref="ArgumentException">The optimiser holds none of the model's trainable parameters (it was built over another model).</exception>
    public static TrainingHistory Fit(
        this Module model, Func<Tensor, Tensor, Tensor> loss, Optimizer optimizer, IDataset train, int epochs, int batchSize,
        IDataset? validation = null, IReadOnlyList<IMetric>? metrics = null, IReadOnlyList<ICallback>? callbacks = null, FitOptions? options = null)
    {
        CheckOptimizerHoldsModel(model, optimizer);
        return FitLoop.Run(model, loss, optimizer, train, epochs, batchSize, validation, metrics, callbacks, options);
    }

    /// <summary>Trains the model with a loss module (one with <c>Forward(Tensor input, Tensor target)</c>, such as <c>CrossEntropyLoss</c>); see the other overload.</summary>
    /// <param name="model">The model to train; its parameters are updated in place.</param>
    /// <param name="loss">The loss module.</param>
    /// <param name="optimizer">The optimiser, built over the model's parameters.</param>
    /// <param name="train">The training samples (input, target).</param>
    /// <param name="epochs">The number of passes over <paramref name="train"/> (≥ 1).</param>
    /// <param name="batchSize">The number of samples per step (≥ 1).</param>
    /// <param name="validation">Samples to evaluate after each epoch, or <see langword="null"/>.</param>
    /// <param name="metrics">Metrics to track on training and validation data; names must be distinct.</param>
    /// <param name="callbacks">Code to run at fixed points, in order.</param>
    /// <param name="options">Shuffling, progress display and other settings; <see langword="null"/> for the defaults.</param>
    /// <returns>One <see cref="EpochResult"/> per finished epoch.</returns>
    /// <exception cref="ArgumentException"><paramref name="loss"/> has no public <c>Tensor Forward(Tensor, Tensor)</c>, or the optimiser holds none of the model's trainable parameters.</exception>
    public static TrainingHistory Fit(
        this Module model, Module loss, Optimizer optimizer, IDataset train, int epochs, int batchSize,
        IDataset? validation = null, IReadOnlyList<IMetric>? metrics = null, IReadOnlyList<ICallback>? callbacks = null, FitOptions? options = null)
    {
        CheckOptimizerHoldsModel(model, optimizer);
        return FitLoop.Run(model, LossFunction.FromModule(loss, "Fit"), optimizer, train, epochs, batchSize, validation, metrics, callbacks, options);
    }

    /// <summary>
    /// The mean loss and the metrics of the model over <paramref name="dataset"/>, computed in
    /// evaluation mode without gradients; the model's training modes are restored afterwards.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="loss">The loss, <c>(output, target) =&gt; scalar</c>.</param>
    /// <param name="dataset">The samples (input, target).</param>
    /// <param name="batchSize">The number of samples per forward pass. Default <see cref="DefaultInferenceBatchSize"/>.</param>
    /// <param name="metrics">Metrics to compute (reset first); scalar ones are reported by name.</param>
    /// <exception cref="InvalidOperationException">The loss is not a single floating-point value.</exception>
    public static EvaluationResult Evaluate(
        this Module model, Func<Tensor, Tensor, Tensor> loss, IDataset dataset, int batchSize = DefaultInferenceBatchSize, IReadOnlyList<IMetric>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(dataset);
        CheckBatchSize(batchSize, "Evaluate");
        var metricList = metrics ?? [];
        EvaluationLoop.CheckNames(metricList, "Evaluate");
        var loader = new DataLoader(dataset, batchSize);
        return EvaluationLoop.Run(model, loss, loader, metricList, CancellationToken.None, "Evaluate");
    }

    /// <summary>Evaluates the model with a loss module (one with <c>Forward(Tensor input, Tensor target)</c>); see the other overload.</summary>
    /// <param name="model">The model.</param>
    /// <param name="loss">The loss module.</param>
    /// <param name="dataset">The samples (input, target).</param>
    /// <param name="batchSize">The number of samples per forward pass. Default <see cref="DefaultInferenceBatchSize"/>.</param>
    /// <param name="metrics">Metrics to compute (reset first).</param>
    public static EvaluationResult Evaluate(
        this Module model, Module loss, IDataset dataset, int batchSize = DefaultInferenceBatchSize, IReadOnlyList<IMetric>? metrics = null) =>
        Evaluate(model, LossFunction.FromModule(loss, "Evaluate"), dataset, batchSize, metrics);

    /// <summary>
    /// The model's outputs for every sample of <paramref name="dataset"/> (its first tensor), concatenated
    /// along dimension 0 in dataset order; computed in evaluation mode without gradients, and the
    /// model's training modes are restored afterwards.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="dataset">The samples; a target, when present, is ignored.</param>
    /// <param name="batchSize">The number of samples per forward pass. Default <see cref="DefaultInferenceBatchSize"/>.</param>
    /// <param name="compile">Run the forward compiled (<see cref="Compiler.Compiler.Compile(Module, Compiler.CompileOptions?, bool)"/>, traced once per batch shape) when there is more than one batch; it falls back to the eager forward, with one line on standard error, when the model cannot be compiled. Default true; false runs every batch eagerly.</param>
    /// <exception cref="ArgumentException">The dataset is empty.</exception>
    public static Tensor Predict(this Module model, IDataset dataset, int batchSize = DefaultInferenceBatchSize, bool compile = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        CheckBatchSize(batchSize, "Predict");
        if (dataset.Count == 0)
            throw OpErrors.Argument("Predict", "the dataset is empty; there is nothing to predict.", nameof(dataset));
        using var mode = TrainingModeScope.Eval(model);
        using var noGrad = new NoGrad();
        var device = BatchInputs.DeviceOf(model);
        var outputs = new List<Tensor>();
        var loader = new DataLoader(dataset, batchSize);
        var forward = new CompiledInference(model, compile && loader.Count > 1);
        foreach (var batch in loader)
            outputs.Add(forward.Forward(BatchInputs.On(batch.Input, device)));
        return Tensor.Cat(outputs, 0);
    }

    /// <summary>
    /// The model's outputs for <paramref name="input"/> (shape <c>[N, ...]</c>), computed
    /// <paramref name="batchSize"/> rows at a time and concatenated along dimension 0; in evaluation
    /// mode without gradients, and the model's training modes are restored afterwards.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="input">The inputs, one sample per row of dimension 0.</param>
    /// <param name="batchSize">The number of rows per forward pass. Default <see cref="DefaultInferenceBatchSize"/>.</param>
    /// <param name="compile">Run the forward compiled when there is more than one batch (see the other overload). Default true; false: always eager.</param>
    /// <exception cref="ArgumentException"><paramref name="input"/> is 0-dimensional.</exception>
    public static Tensor Predict(this Module model, Tensor input, int batchSize = DefaultInferenceBatchSize, bool compile = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        CheckBatchSize(batchSize, "Predict");
        if (input.Rank == 0)
            throw OpErrors.Argument("Predict", $"expected inputs of shape [N, ...] with one sample per row, got a 0-dimensional tensor; use Unsqueeze(0) for a single sample.", nameof(input));
        using var mode = TrainingModeScope.Eval(model);
        using var noGrad = new NoGrad();
        var device = BatchInputs.DeviceOf(model);
        int n = input.Size(0);
        if (n <= batchSize) return model.Forward(BatchInputs.On(input, device));
        var outputs = new List<Tensor>((n + batchSize - 1) / batchSize);
        var forward = new CompiledInference(model, compile);
        for (int start = 0; start < n; start += batchSize)
            outputs.Add(forward.Forward(BatchInputs.On(input.Narrow(0, start, Math.Min(batchSize, n - start)), device)));
        return Tensor.Cat(outputs, 0);
    }

    /// <summary>
    /// Refuses an optimiser that would train nothing: the model has trainable parameters and the
    /// optimiser holds none of them (typically one built over another model, or over a model's
    /// parameters before <c>To(...)</c> replaced them).
    /// </summary>
    private static void CheckOptimizerHoldsModel(Module? model, Optimizer? optimizer)
    {
        if (model is null || optimizer is null) return;   // FitLoop reports the null argument
        var held = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var group in optimizer.ParamGroups)
            foreach (var p in group.Parameters) held.Add(p);
        int trainable = 0;
        foreach (var p in model.Parameters())
        {
            if (!p.RequiresGrad) continue;
            if (held.Contains(p)) return;
            trainable++;
        }
        if (trainable > 0)
            throw OpErrors.Argument(
                "Fit", $"the {optimizer.GetType().Name} given holds none of the {trainable} trainable parameters of the {model.GetType().Name} being trained, so Fit would train nothing; " +
                "build the optimiser over this model's parameters (new Adam(model.Parameters())), after any model.To(...).", nameof(optimizer));
    }

    private static void CheckBatchSize(int batchSize, string operation)
    {
        if (batchSize < 1)
            throw OpErrors.OutOfRange(operation, nameof(batchSize), batchSize, $"batchSize must be at least 1, got {batchSize}.");
    }
}
