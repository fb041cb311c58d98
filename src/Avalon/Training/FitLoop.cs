using System.Globalization;
using System.Text;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training.Callbacks;
using Avalon.Training.Metrics;
using Avalon.Training.Progress;

namespace Avalon.Training;

/// <summary>
/// The training loop behind <c>Fit</c>. Each step: zero the gradients, forward, loss, eager
/// <c>Backward</c>, <c>optimizer.Step()</c>, then the running loss and metrics; by default the same step
/// compiled (<see cref="TrainStep"/>, see <see cref="FitOptions.Compile"/>; the non-finite checks run between
/// its backward and its update), falling back to eager with a notice when it cannot be compiled. Each epoch ends with
/// validation, the epoch's logs, the callbacks and a history record. Unless
/// <see cref="FitOptions.OnNonFinite"/> is <see cref="NonFiniteAction.Ignore"/>, the loss and the
/// gradients are checked for NaN/∞ before the optimiser step and the parameters after it.
/// </summary>
internal static class FitLoop
{
    private const string Operation = "Fit";

    public static TrainingHistory Run(
        Module model, Func<Tensor, Tensor, Tensor> loss, Optimizer optimizer, IDataset train, int epochs, int batchSize,
        IDataset? validation, IReadOnlyList<IMetric>? metrics, IReadOnlyList<ICallback>? callbacks, FitOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 1)
            throw OpErrors.OutOfRange(Operation, nameof(epochs), epochs, $"epochs must be at least 1, got {epochs}.");
        if (batchSize < 1)
            throw OpErrors.OutOfRange(Operation, nameof(batchSize), batchSize, $"batchSize must be at least 1, got {batchSize}.");
        options ??= new FitOptions();
        if (options.Generator is not null && options.Seed is not null)
            throw OpErrors.Argument(Operation, $"FitOptions sets both Generator and Seed; set one of them.", nameof(options));
        if (options.ValidationBatchSize is int vb && vb < 1)
            throw OpErrors.OutOfRange(Operation, nameof(options), vb, $"FitOptions.ValidationBatchSize must be at least 1, got {vb}.");
        if (options.LogEvery < 0)
            throw OpErrors.OutOfRange(Operation, nameof(options), options.LogEvery, $"FitOptions.LogEvery must be non-negative, got {options.LogEvery}.");
        if (!Enum.IsDefined(options.OnNonFinite))
            throw OpErrors.OutOfRange(Operation, nameof(options), options.OnNonFinite, $"FitOptions.OnNonFinite must be Stop, Skip or Ignore, got {(int)options.OnNonFinite}.");
        var metricList = metrics ?? [];
        EvaluationLoop.CheckNames(metricList, Operation);
        IReadOnlyList<ICallback> callbackList = callbacks ?? [];
        for (int i = 0; i < callbackList.Count; i++)
            if (callbackList[i] is null) throw new ArgumentNullException(nameof(callbacks), $"{Operation}: callback {i} is null.");

        var generator = options.Generator ?? (options.Seed is ulong seed ? new Generator(seed) : Generator.Default);
        // Data-parallel training (a model wrapped by DistributedDataParallel): each process visits its
        // shard of a permutation all processes share; batchSize is per process, as in PyTorch.
        var distributed = DistributedFit.For(model);
        ulong shuffleSeed = distributed is null ? 0 : DistributedFit.ShuffleSeed(options);
        DataLoader LoaderFor(int epoch) => distributed is null
            ? new DataLoader(train, batchSize, options.Shuffle, options.DropLast, generator, options.Prefetch)
            : new DataLoader(distributed.Context.TrainingShard(train, epoch, options.Shuffle, shuffleSeed, options.DropLast), batchSize, false, options.DropLast, generator, options.Prefetch);
        var loader = LoaderFor(1);
        if (loader.Count == 0)
            throw OpErrors.Argument(
                Operation, $"the training data gives no batches ({train.Count} samples, batch size {batchSize}{(options.DropLast ? ", DropLast" : "")}); pass more samples{(options.DropLast ? " or turn DropLast off" : "")}.", nameof(train));
        var validationLoader = validation is null ? null : new DataLoader(validation, options.ValidationBatchSize ?? batchSize, prefetch: options.Prefetch);

        IScalarMetric? shown = null;
        foreach (var m in metricList)
        {
            if (m is IScalarMetric s)
            {
                shown = s;
                break;
            }
        }
        var time = options.Time ?? TimeProvider.System;
        var token = options.CancellationToken;
        var device = BatchInputs.DeviceOf(model);
        var history = new TrainingHistory();
        var nonFinite = options.OnNonFinite == NonFiniteAction.Ignore ? null : new NonFiniteCheck(model, optimizer);

        using var progress = TrainingProgress.Create(epochs, shown?.Name, distributed is { IsMainProcess: false } ? ProgressMode.Silent : options.Progress, options.ProgressOutput, time);
        using var mode = TrainingModeScope.Train(model);
        TrainStep? compiled = null;
        CompiledStepGuard? guard = null;
        if (options.Compile)
        {
            string? reason = distributed is not null && model is not IDistributedModule { CanAllReduceGradients: true }
                ? $"{model.GetType().Name} all-reduces gradients only from eager backward hooks" : null;
            if (reason is null)
            {
                try
                {
                    compiled = TrainStep.Compile(model, loss, optimizer);
                }
                catch (Exception ex) when (ex is NotSupportedException or ArgumentException)
                {
                    reason = FirstLine(ex.Message);
                }
            }
            if (reason is not null) progress.WriteLine(EagerNotice(reason));
            else if (nonFinite is not null || distributed is not null)
                guard = new CompiledStepGuard(nonFinite, options.OnNonFinite, loader.Count, distributed is null ? null : (IDistributedModule)model, distributed);
        }
        // Validation runs the forward compiled too (one trace per batch shape, kept across epochs) when the step compiled.
        var validationForward = compiled is not null && validationLoader is { Count: > 1 } ? new CompiledInference(model, compile: true, "Fit's validation") : null;
        var context = new CallbackContext(model, optimizer, epochs, history, progress) { StepsPerEpoch = loader.Count, IsMainProcess = distributed?.IsMainProcess ?? true };
        foreach (var c in callbackList) c.OnTrainBegin(context);

        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            context.Epoch = epoch;
            if (distributed is not null && epoch > 1) loader = LoaderFor(epoch);
            context.Step = 0;
            context.RunningLoss = double.NaN;
            context.Logs.Clear();
            foreach (var c in callbackList) c.OnEpochBegin(context);

            long start = time.GetTimestamp();
            double learningRate = optimizer.ParamGroups[0].LearningRate;
            model.Train();
            foreach (var m in metricList) m.Reset();
            progress.BeginEpoch(epoch, loader.Count);
            double lossSum = 0;
            long samples = 0;
            int step = 0;
            int skipped = 0;
            foreach (var batch in loader.WithCancellation(token))
            {
                foreach (var c in callbackList) c.OnBatchBegin(context);
                var (input, target) = BatchInputs.Split(batch, device);
                Tensor output;
                double batchLoss;
                bool skip = false;
                TrainStepResult? result = null;
                if (compiled is not null)
                {
                    try
                    {
                        if (guard is not null) guard.At(epoch, step + 1);
                        result = compiled.Run(input, target, guard?.BeforeUpdate);
                    }
                    catch (Exception ex) when (ex is not NonFiniteException && ex is InvalidOperationException or NotSupportedException or ArgumentException)
                    {
                        result = compiled.AppliedBeforeFailure;       // the failed trace had run the step already
                        compiled = null;
                        progress.WriteLine(EagerNotice(FirstLine(ex.Message)));
                    }
                }
                if (result is { } r)
                {
                    output = r.Output;
                    batchLoss = guard?.Loss ?? r.Loss.Item();
                    skip = r.UpdateSkipped;
                    if (!skip && nonFinite?.FirstNonFiniteParameter() is { } badParameter)
                        throw NonFiniteError(epoch, step + 1, loader.Count, batchLoss, badParameter, NonFiniteStage.AfterUpdate);
                }
                else
                {
                    optimizer.ZeroGrad(setToNone: true);
                    output = model.Forward(input);
                    var value = loss(output, target);
                    BatchInputs.CheckLoss(value, Operation);
                    if (!value.RequiresGrad)
                        throw OpErrors.State(
                            Operation, $"the loss does not depend on any tensor that requires a gradient; are all parameters frozen (RequiresGrad false), or is the forward pass running under NoGrad?");
                    batchLoss = value.Item();
                    bool badLoss = nonFinite is not null && !double.IsFinite(batchLoss);
                    // Processes decide together: a process that skipped the backward alone would leave the others waiting in its all-reduce.
                    bool anyBadLoss = distributed is not null && nonFinite is not null ? distributed.Any(badLoss) : badLoss;
                    if (anyBadLoss)
                        skip = OnNonFinite(options.OnNonFinite, epoch, step + 1, loader.Count, batchLoss, badLoss ? ("loss", 0, batchLoss) : ("the loss of another process", 0, double.NaN));
                    if (!skip)
                    {
                        value.Backward();
                        if (nonFinite?.FirstNonFiniteGradient() is { } badGradient)
                            skip = OnNonFinite(options.OnNonFinite, epoch, step + 1, loader.Count, batchLoss, badGradient);
                    }
                    if (!skip)
                    {
                        optimizer.Step();
                        if (nonFinite?.FirstNonFiniteParameter() is { } badParameter)
                            throw NonFiniteError(epoch, step + 1, loader.Count, batchLoss, badParameter, NonFiniteStage.AfterUpdate);
                    }
                }

                step++;
                if (skip)
                {
                    skipped++;
                    optimizer.ZeroGrad(setToNone: true);
                }
                else
                {
                    lossSum += batchLoss * batch.Size;
                    samples += batch.Size;
                    if (metricList.Count > 0)
                    {
                        var detached = output.Detach();
                        foreach (var m in metricList) m.Update(detached, target);
                    }
                }
                context.Step = step;
                context.GlobalStep++;
                context.BatchLoss = batchLoss;
                context.RunningLoss = lossSum / samples;
                progress.Update(step, samples, context.RunningLoss, shown?.Compute());
                if (options.LogEvery > 0 && step % options.LogEvery == 0) progress.WriteLine(progress.StatusLine());
                foreach (var c in callbackList) c.OnBatchEnd(context);
                if (distributed is not null) context.StopTraining = distributed.Any(context.StopTraining);
                if (context.StopTraining) break;
            }

            var logs = context.Logs;
            var trainMetrics = EvaluationLoop.ScalarValues(metricList);
            double epochLoss = lossSum / samples;
            if (distributed is not null)
            {
                // The epoch's line shows the values over every process, not this process's shard.
                (epochLoss, trainMetrics) = distributed.Reduce(lossSum, samples, trainMetrics);
                progress.Update(step, samples, epochLoss, shown is not null && trainMetrics.TryGetValue(shown.Name, out double m) ? m : null);
            }
            logs["loss"] = epochLoss;
            foreach (var (name, value) in trainMetrics) logs[name] = value;
            EvaluationResult? validationResult = null;
            if (validationLoader is not null)
            {
                validationResult = distributed is null
                    ? EvaluationLoop.Run(model, loss, validationLoader, metricList, token, Operation, compiled is null ? null : validationForward)
                    : distributed.Evaluate(model, loss, validation!, validationLoader.BatchSize, options.Prefetch, metricList, token, Operation);
                logs["val_loss"] = validationResult.Loss;
                foreach (var (name, value) in validationResult.Metrics) logs["val_" + name] = value;
            }
            logs["lr"] = learningRate;
            if (options.OnNonFinite == NonFiniteAction.Skip) logs["skipped_steps"] = skipped;
            progress.EndEpoch(Summary(trainMetrics, shown, validationResult));

            foreach (var c in callbackList) c.OnEpochEnd(context);
            if (distributed is not null) context.StopTraining = distributed.Any(context.StopTraining);
            history.Add(new EpochResult(
                epoch, epochLoss, trainMetrics, validationResult?.Loss,
                validationResult?.Metrics ?? new Dictionary<string, double>(), learningRate,
                time.GetElapsedTime(start), new Dictionary<string, double>(logs, StringComparer.Ordinal)) { SkippedSteps = skipped });
            if (context.StopTraining)
            {
                history.StoppedEarly = epoch < epochs;
                break;
            }
        }

        foreach (var c in callbackList) c.OnTrainEnd(context);
        return history;
    }

    /// <summary>Handles a non-finite loss or gradient found before the update: throws for Stop, returns true (skip the update) for Skip.</summary>
    private static bool OnNonFinite(NonFiniteAction action, int epoch, int batch, int batches, double loss, (string Tensor, long Element, double Value) found)
    {
        if (action == NonFiniteAction.Skip) return true;
        throw NonFiniteError(epoch, batch, batches, loss, found, NonFiniteStage.BeforeUpdate);
    }

    private static NonFiniteException NonFiniteError(int epoch, int batch, int batches, double loss, (string Tensor, long Element, double Value) found, NonFiniteStage stage)
    {
        var c = CultureInfo.InvariantCulture;
        string where = found.Tensor == "loss" ? "the loss" : $"{found.Tensor} (element {found.Element})";
        string state = stage switch
        {
            NonFiniteStage.AfterUpdate => "The update itself produced it (the loss and gradients were finite); training stopped before any callback ran, so saved checkpoints are untouched.",
            _ => "The optimiser step was not applied, so the model holds the weights of the last good step and saved checkpoints are untouched.",
        };
        string headline = string.Create(c, $"{Operation}: non-finite value at epoch {epoch}, batch {batch} of {batches}: {where} is {found.Value} (loss {loss}).");
        return new NonFiniteException(epoch, batch, loss, found.Tensor, found.Element, found.Value,
            $"{headline} {state} Lower the learning rate, clip gradients (ClipGrad), check the data for NaN, or find the first NaN with " +
            "Autograd.DetectAnomaly(); FitOptions.OnNonFinite = NonFiniteAction.Skip skips such batches instead.");
    }

    /// <summary>Where a non-finite value was found: before the update, or in the parameters the update wrote.</summary>
    private enum NonFiniteStage
    {
        BeforeUpdate,
        AfterUpdate,
    }

    /// <summary>
    /// What a compiled step runs between its backward and its update (one instance per Fit, so a step
    /// allocates no closure): in data-parallel training the all-reduce of the gradients (every process, every
    /// step), then the non-finite check — a non-finite loss or gradient stops training before the update
    /// (<see cref="NonFiniteAction.Stop"/>) or refuses the update (<see cref="NonFiniteAction.Skip"/>). The
    /// processes decide together: the loss check is agreed across them and the gradients checked are the
    /// reduced ones, the same everywhere.
    /// </summary>
    private sealed class CompiledStepGuard
    {
        private readonly NonFiniteCheck? _check;
        private readonly NonFiniteAction _action;
        private readonly int _batches;
        private readonly IDistributedModule? _reducer;
        private readonly DistributedFit? _distributed;
        private int _epoch;
        private int _batch;

        public CompiledStepGuard(NonFiniteCheck? check, NonFiniteAction action, int batches, IDistributedModule? reducer, DistributedFit? distributed)
        {
            _check = check;
            _action = action;
            _batches = batches;
            _reducer = reducer;
            _distributed = distributed;
            BeforeUpdate = Check;
        }

        /// <summary>The check, as the delegate the step calls.</summary>
        public Func<TrainStepResult, bool> BeforeUpdate { get; }

        /// <summary>The loss the last check read (null before the first).</summary>
        public double? Loss { get; private set; }

        /// <summary>Sets the epoch and batch that errors name.</summary>
        public void At(int epoch, int batch)
        {
            _epoch = epoch;
            _batch = batch;
            Loss = null;
        }

        private bool Check(TrainStepResult result)
        {
            _reducer?.AllReduceGradients();
            double loss = result.Loss.Item();
            Loss = loss;
            if (_check is null) return true;
            bool badLoss = !double.IsFinite(loss);
            (string, long, double)? bad;
            if (_distributed is not null && _distributed.Any(badLoss))
                bad = badLoss ? ("loss", 0L, loss) : ("the loss of another process", 0L, double.NaN);
            else bad = badLoss ? ("loss", 0L, loss) : _check.FirstNonFiniteGradient();
            return bad is not { } found || !OnNonFinite(_action, _epoch, _batch, _batches, loss, found);
        }
    }

    private static string EagerNotice(string reason) => $"compiled step unavailable ({reason.TrimEnd('.')}); training eagerly";

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n');
        return end < 0 ? message : message[..end];
    }

    /// <summary>The end-of-epoch text beyond what the progress line shows: further metrics and validation results.</summary>
    private static string Summary(Dictionary<string, double> trainMetrics, IScalarMetric? shown, EvaluationResult? validation)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (var (name, value) in trainMetrics)
        {
            if (shown is not null && name == shown.Name) continue;
            text.Append(c, $"  {name} {value:0.0000}");
        }
        if (validation is not null)
        {
            text.Append(c, $"  val_loss {validation.Loss:0.0000}");
            foreach (var (name, value) in validation.Metrics) text.Append(c, $"  val_{name} {value:0.0000}");
        }
        return text.ToString().TrimStart();
    }
}
