using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Execution;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Primitives;

namespace Avalon.Training;

/// <summary>
/// A whole training step compiled (PyTorch's <c>torch.compile</c> of a train step): forward, loss,
/// backward and the running statistics in one planned tape, the optimiser's multi-tensor update in a
/// second, each run by a <see cref="CompiledTape"/> over its memory arena. <see cref="Run(Tensor, Tensor)"/> does what
/// <c>optimizer.ZeroGrad(); loss(model.Forward(x), y).Backward(); optimizer.Step();</c> does, and after
/// warm-up allocates no managed memory for models whose kernels allocate none.
/// <see cref="Run(Tensor, Tensor, Func{TrainStepResult, bool})"/> stops between the two: the caller sees the loss
/// and the gradients (and may change the gradients in place, or refuse the update) before the update.
/// </summary>
/// <remarks>
/// <para><b>Tracing.</b> The first run with a signature runs the step eagerly while it is recorded (its
/// results are that eager run's), then optimises and plans the tape. The signature is the input's and
/// target's shapes, dtypes and devices, the training mode of every module, which parameters require a
/// gradient, the optimiser's parameter groups (the objects), the hyperparameters baked into the update
/// (all but the learning rate) and the identity of the optimiser's state tensors; a change traces again
/// (up to 8 signatures are kept: the last partial batch of an epoch is one more). The learning rate and
/// the step counts are not baked in: before every run the step writes each group's current learning
/// rate and the advanced step counts into tensors the tape reads, so schedulers keep working.</para>
/// <para><b>Bound by reference.</b> Parameters, buffers (BatchNorm's running statistics and
/// <c>num_batches_tracked</c>) and the optimiser's state are the model's and optimiser's own tensors,
/// updated in place, so the model, <c>StateDict</c>, checkpoints and <c>optimizer.StateDict()</c> see
/// the compiled step's results; the step counts are advanced in the optimiser's state as an eager step
/// advances them. After a run each trainable parameter's <see cref="Tensor.Grad"/> is its gradient from
/// that run (a tensor of the plan, valid until the next run). Random calls (dropout) draw fresh seeds
/// from their generators in the order the eager step draws them, so a fixed generator gives the eager
/// masks.</para>
/// <para><b>Static graph.</b> As for <see cref="Compiler.Compiler.Compile(Func{Tensor[], Tensor[]}, CompileOptions?, bool)"/>,
/// control flow is frozen at trace time; reading a traced value on the host while tracing (<c>Item()</c>)
/// is refused by default (<see cref="CompileOptions.OnDataDependentTrace"/>; the refused call's update
/// has been applied). Replacing a parameter object of the model that the optimiser does not hold is not
/// detected: compile again after <c>model.To(...)</c>. Pass <c>dynamic: true</c> to trace every call.</para>
/// <para><b>Optimisers.</b> SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW (AMSGrad,
/// weight decay, maximize): their multi-tensor updates are recorded. SGD's first step with momentum creates
/// its buffers and is run eagerly (<see cref="EagerSteps"/>); the later ones are compiled. Other optimisers
/// are refused by <see cref="Compile(Module, Func{Tensor, Tensor, Tensor}, Optimizer, CompileOptions?, bool)"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// var step = TrainStep.Compile(model, (o, t) => Functional.CrossEntropy(o, t), optimizer);
/// foreach (var (x, y) in batches)
/// {
///     var result = step.Run(x, y);
///     scheduler.Step();                 // read by the next run
///     total += result.Loss.Item();
/// }
/// </code>
/// </example>
public sealed class TrainStep
{
    private const string Operation = "TrainStep";
    private const int MaxSignatures = 8;

    private readonly Module _model;
    private readonly Func<Tensor, Tensor, TrainStepResult> _lossAndOutput;
    private readonly Optimizer _optimizer;
    private readonly IMultiTensorOptimizer _update;
    private readonly CompileOptions _options;
    private readonly bool _dynamic;
    private readonly List<CompiledStep> _compiled = [];

    private TrainStep(Module model, Func<Tensor, Tensor, TrainStepResult> lossAndOutput, Optimizer optimizer, IMultiTensorOptimizer update, CompileOptions options, bool dynamic)
    {
        _model = model;
        _lossAndOutput = lossAndOutput;
        _optimizer = optimizer;
        _update = update;
        _options = options;
        _dynamic = dynamic;
    }

    /// <summary>
    /// Compiles the training step of <paramref name="model"/> with <paramref name="loss"/> and
    /// <paramref name="optimizer"/> (traced on the first <see cref="Run(Tensor, Tensor)"/> of each signature; see the remarks).
    /// </summary>
    /// <param name="model">The model; its parameters and buffers are updated in place.</param>
    /// <param name="loss">The loss, <c>(output, target) =&gt; scalar</c>.</param>
    /// <param name="optimizer">The optimiser over (some of) the model's parameters: SGD, Adam or AdamW.</param>
    /// <param name="options">Compile options (passes, debug output, the data-dependence policy); null for the defaults.</param>
    /// <param name="dynamic">Trace every call instead of reusing a compiled tape (eager semantics, no reuse).</param>
    /// <exception cref="NotSupportedException">The optimiser has no multi-tensor update the step can record.</exception>
    /// <exception cref="ArgumentException">The optimiser holds a tensor that is not a parameter of the model.</exception>
    public static TrainStep Compile(Module model, Func<Tensor, Tensor, Tensor> loss, Optimizer optimizer, CompileOptions? options = null, bool dynamic = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        return Compile(model, (input, target) =>
        {
            var output = model.Forward(input);
            return new TrainStepResult(loss(output, target), output);
        }, optimizer, options, dynamic);
    }

    /// <summary>
    /// Compiles a training step whose loss is any computation over the model and the batch (a model with
    /// several outputs, a loss that needs more than the output and the target, a VAE's sampled latent):
    /// <paramref name="lossAndOutput"/> calls the model as it likes and returns the scalar loss and the
    /// tensor the step should return as its output (for metrics). Traced, cached and run as the other overload.
    /// </summary>
    /// <param name="model">The model; its parameters and buffers are updated in place.</param>
    /// <param name="lossAndOutput">(input, target) → the loss and an output, computed with tensor operations only.</param>
    /// <param name="optimizer">The optimiser over (some of) the model's parameters: SGD, Adam or AdamW.</param>
    /// <param name="options">Compile options; null for the defaults.</param>
    /// <param name="dynamic">Trace every call instead of reusing a compiled tape.</param>
    /// <exception cref="NotSupportedException">The optimiser has no multi-tensor update the step can record.</exception>
    /// <exception cref="ArgumentException">The optimiser holds a tensor that is not a parameter of the model.</exception>
    /// <example>
    /// <code>
    /// var step = TrainStep.Compile(vae, (x, _) =&gt;
    /// {
    ///     var (reconstruction, mu, logVar) = vae.Run(x);
    ///     return new TrainStepResult(VaeLoss(reconstruction, x, mu, logVar), reconstruction);
    /// }, new Adam(vae.Parameters(), lr: 1e-3));
    /// </code>
    /// </example>
    public static TrainStep Compile(Module model, Func<Tensor, Tensor, TrainStepResult> lossAndOutput, Optimizer optimizer, CompileOptions? options = null, bool dynamic = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lossAndOutput);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer is not IMultiTensorOptimizer update)
            throw new NotSupportedException(
                $"{Operation}: {optimizer.GetType().Name} has no multi-tensor update that a compiled step can record (SGD, Adam and AdamW have one); train it eagerly.");
        var parameters = new HashSet<Tensor>(model.Parameters(), ReferenceEqualityComparer.Instance);
        foreach (var group in optimizer.ParamGroups)
            foreach (var p in group.Parameters)
                if (!parameters.Contains(p))
                    throw OpErrors.Argument(
                        Operation, $"the {optimizer.GetType().Name} holds a tensor of shape {p.Shape} that is not a parameter of the {model.GetType().Name}; a compiled step updates the model's own parameters.", nameof(optimizer));
        return new TrainStep(model, lossAndOutput, optimizer, update, options ?? new CompileOptions(), dynamic);
    }

    /// <summary>Compiles the training step with a loss module (one with <c>Forward(Tensor input, Tensor target)</c>); see the other overload.</summary>
    /// <param name="model">The model.</param>
    /// <param name="loss">The loss module.</param>
    /// <param name="optimizer">The optimiser: SGD, Adam or AdamW.</param>
    /// <param name="options">Compile options; null for the defaults.</param>
    /// <param name="dynamic">Trace every call.</param>
    public static TrainStep Compile(Module model, Module loss, Optimizer optimizer, CompileOptions? options = null, bool dynamic = false) =>
        Compile(model, LossFunction.FromModule(loss, Operation), optimizer, options, dynamic);

    /// <summary>How many runs traced the step (once per signature; every run when dynamic).</summary>
    public int TraceCount { get; private set; }

    /// <summary>How many signatures have a compiled tape.</summary>
    public int CacheSize => _compiled.Count;

    /// <summary>How many runs were eager because the optimiser's update could not be replayed yet (SGD momentum's first step).</summary>
    public int EagerSteps { get; private set; }

    /// <summary>The compiled forward and backward the last run ran or built (null before, and when dynamic).</summary>
    public CompiledTape? LastCompiled { get; private set; }

    /// <summary>The compiled optimiser update the last run ran or built (null before, and when dynamic).</summary>
    public CompiledTape? LastCompiledUpdate { get; private set; }

    /// <summary>Set when a failing run had already applied its update (a refused trace): that run's results.</summary>
    internal TrainStepResult? AppliedBeforeFailure { get; private set; }

    /// <summary>
    /// One training step on a batch: the loss and the model's output (valid until the next run), with the
    /// parameters, buffers, gradients and optimiser state updated in place.
    /// </summary>
    /// <param name="input">The model's input.</param>
    /// <param name="target">The loss's target (may be <paramref name="input"/> itself, as for autoencoders).</param>
    /// <exception cref="InvalidOperationException">The loss is not a floating-point scalar that depends on the model, or the trace read a traced value on the host.</exception>
    public TrainStepResult Run(Tensor input, Tensor target) => Run(input, target, null);

    /// <summary>
    /// One training step that asks <paramref name="beforeUpdate"/> between backward and the optimiser's
    /// update: it sees the loss and output, with every trainable parameter's <see cref="Tensor.Grad"/> bound
    /// to its gradient, may change the gradients in place (clipping, say), and returns whether to apply the
    /// update. When it returns false the parameters and the optimiser's state (its step counts included) are
    /// left as they were and the result's <see cref="TrainStepResult.UpdateSkipped"/> is set; the forward's
    /// running statistics have been updated, as in an eager step whose update is skipped. An exception
    /// thrown by <paramref name="beforeUpdate"/> leaves the update unapplied too.
    /// </summary>
    /// <param name="input">The model's input.</param>
    /// <param name="target">The loss's target.</param>
    /// <param name="beforeUpdate">Called once per run before the update; null applies it unconditionally.</param>
    /// <exception cref="InvalidOperationException">The loss is not a floating-point scalar that depends on the model, or the trace read a traced value on the host.</exception>
    public TrainStepResult Run(Tensor input, Tensor target, Func<TrainStepResult, bool>? beforeUpdate)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        AppliedBeforeFailure = null;
        var groups = _optimizer.ParamGroups;
        for (int g = 0; g < groups.Count; g++)
            if (_update.ReplayObstacle(groups[g], groups[g].Parameters) is not null) return EagerStep(input, target, beforeUpdate);
        if (!_dynamic)
        {
            for (int i = 0; i < _compiled.Count; i++)
            {
                var entry = _compiled[i];
                if (!entry.Matches(input, target, _optimizer)) continue;
                LastCompiled = entry.Tape;
                LastCompiledUpdate = entry.UpdateTape;
                return entry.Run(input, target, _update, beforeUpdate);
            }
        }
        TraceCount++;
        var (traced, result) = CompiledStep.Trace(this, input, target, beforeUpdate);
        if (traced is not null)
        {
            if (_compiled.Count == MaxSignatures) _compiled.RemoveAt(0);
            _compiled.Add(traced);
            LastCompiled = traced.Tape;
            LastCompiledUpdate = traced.UpdateTape;
        }
        return result;
    }

    /// <summary>
    /// Runs the step compiled for this batch's signature <paramref name="runs"/> times with every planned
    /// step timed (<see cref="CompiledTape.Profile(Tensor[], int)"/>): the forward and backward tape's steps, then the
    /// update tape's. The runs train: each applies an update, as <see cref="Run(Tensor, Tensor)"/> does, though the
    /// optimiser's step counts advance once per call (a profile is for timing, not for training).
    /// </summary>
    /// <param name="input">A batch of the signature to profile (run it once first, so that it is compiled).</param>
    /// <param name="target">Its target.</param>
    /// <param name="runs">Timed runs.</param>
    /// <exception cref="InvalidOperationException">No compiled step matches the batch (run it first), or the step is dynamic.</exception>
    public IReadOnlyList<StepTiming> Profile(Tensor input, Tensor target, int runs = 10)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        var entry = _compiled.Find(e => e.Matches(input, target, _optimizer))
            ?? throw OpErrors.State(Operation, $"no compiled step matches a batch of {input.Spec} and {target.Spec}{(_dynamic ? " (the step is dynamic: nothing is compiled)" : "")}; run the batch once first.");
        var gradients = entry.ProfileGradients(input, target, runs);
        var update = entry.ProfileUpdate(_update, runs);
        var all = new List<StepTiming>(gradients.Count + update.Count);
        all.AddRange(gradients);
        foreach (var t in update) all.Add(t with { Index = gradients.Count + t.Index });
        return all;
    }

    private TrainStepResult EagerStep(Tensor input, Tensor target, Func<TrainStepResult, bool>? beforeUpdate)
    {
        EagerSteps++;
        _optimizer.ZeroGrad(setToNone: true);
        var (loss, output) = CallLoss(input, target);
        BatchInputs.CheckLoss(loss, Operation);
        loss.Backward();
        var result = new TrainStepResult(loss.Detach(), output.Detach());
        if (beforeUpdate is not null && !beforeUpdate(result)) return result with { UpdateSkipped = true };
        _optimizer.Step();
        return result;
    }

    private TrainStepResult CallLoss(Tensor input, Tensor target)
    {
        var result = _lossAndOutput(input, target);
        if (result.Loss is null || result.Output is null)
            throw OpErrors.State(Operation, $"the step's function returned a {(result.Loss is null ? "null loss" : "null output")}; return the scalar loss and the output (the model's output, say).");
        return result;
    }

    /// <summary>One signature's compiled tapes (forward and backward; the update) and what they are bound to.</summary>
    private sealed class CompiledStep
    {
        private TensorSpec _inputSpec;
        private TensorSpec _targetSpec;
        private bool _sameBatch;
        private (Module Module, bool Training)[] _modes = [];
        private Tensor[] _parameters = [];
        private bool[] _requiresGrad = [];
        private Tensor[] _tapeInputs = [];
        private Tensor[] _trainable = [];
        private int[] _gradOutput = [];
        private Tensor[] _updateInputs = [];
        private (int Input, int Output)[] _updateGradients = [];
        private GroupBinding[] _groups = [];
        private readonly List<Tensor> _scratch = [];

        /// <summary>Forward, loss, backward and the running statistics; outputs the loss, the model's output and the gradients.</summary>
        public CompiledTape Tape { get; private set; } = null!;

        /// <summary>The optimiser's multi-tensor updates of every group; reads the parameters and the first tape's gradients.</summary>
        public CompiledTape UpdateTape { get; private set; } = null!;

        /// <summary>
        /// Records one step (run eagerly while recorded) and prepares it; null entry when dynamic, and when
        /// <paramref name="beforeUpdate"/> refused the update (the update was then not recorded).
        /// </summary>
        public static (CompiledStep? Entry, TrainStepResult Result) Trace(TrainStep owner, Tensor input, Tensor target, Func<TrainStepResult, bool>? beforeUpdate)
        {
            var model = owner._model;
            var entry = new CompiledStep
            {
                _inputSpec = input.Spec,
                _targetSpec = target.Spec,
                _sameBatch = ReferenceEquals(input, target),
                _modes = model.Modules().Select(m => (m, m.Training)).ToArray(),
            };
            var named = model.NamedParameters().ToArray();
            entry._parameters = named.Select(p => p.Value).ToArray();
            entry._requiresGrad = entry._parameters.Select(p => p.RequiresGrad).ToArray();
            var tape = new Tape();
            var trainableIds = new List<int>();
            var trainable = new List<Tensor>();
            var trainableNames = new List<string>();
            foreach (var (name, p) in named)
            {
                int id = tape.AddInput(p, name);
                if (p.RequiresGrad && p.DType.IsFloatingPoint())
                {
                    trainableIds.Add(id);
                    trainable.Add(p);
                    trainableNames.Add(name);
                }
            }
            if (tape.Tracks(input) || tape.Tracks(target))
                throw OpErrors.Argument(Operation, "the input or the target is a parameter of the model; pass batch tensors.");
            tape.AddInput(input, "input");
            if (!entry._sameBatch) tape.AddInput(target, "target");

            Tensor loss, output;
            Tensor[] grads;
            var reached = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
            Recorder.Push(tape);
            try
            {
                (loss, output) = owner.CallLoss(input, target);
                BatchInputs.CheckLoss(loss, Operation);
                if (!tape.Tracks(loss) || trainableIds.Count == 0)
                    throw OpErrors.State(
                        Operation, "the loss does not depend on any parameter that requires a gradient; are all parameters frozen (RequiresGrad false)?");
                int lossId = tape.IdOrConstant(loss);
                grads = TapeBackward.Run(tape, lossId, Tensor.Literal(1, loss.DType, loss.Device, loss.Shape.ToArray()), trainableIds);
                for (int i = 0; i < grads.Length; i++)
                {
                    if (!tape.Tracks(grads[i])) continue;          // not reached: eager leaves Grad null and skips it
                    grads[i] = grads[i].Contiguous();              // the update reads dense gradients
                    reached[trainable[i]] = grads[i];
                }
                var outputs = new List<int> { lossId, tape.IdOrConstant(output) };
                entry._trainable = [.. trainable];
                entry._gradOutput = new int[trainable.Count];
                for (int i = 0; i < trainable.Count; i++)
                {
                    if (reached.ContainsKey(trainable[i]))
                    {
                        entry._gradOutput[i] = outputs.Count;
                        outputs.Add(tape.IdOrConstant(grads[i]));
                    }
                    else entry._gradOutput[i] = -1;
                }
                tape.SetOutputs(outputs);
            }
            finally
            {
                Recorder.Pop(tape);
            }
            for (int i = 0; i < entry._trainable.Length; i++)
                entry._trainable[i].Grad = entry._gradOutput[i] >= 0 ? grads[i] : null;
            var result = new TrainStepResult(loss, output);
            if (beforeUpdate is not null && !beforeUpdate(result)) return (null, result with { UpdateSkipped = true });

            // The update, on a tape of its own: the trainable parameters and their gradients are its inputs.
            var updateTape = new Tape();
            var updateInputs = new List<Tensor>();
            var updateGradients = new List<(int, int)>();
            for (int i = 0; i < trainable.Count; i++)
            {
                if (entry._gradOutput[i] < 0) continue;
                updateTape.AddInput(trainable[i], trainableNames[i]);
                updateInputs.Add(trainable[i]);
            }
            for (int i = 0; i < trainable.Count; i++)
            {
                if (entry._gradOutput[i] < 0) continue;
                updateTape.AddInput(grads[i], "grad of " + trainableNames[i]);
                updateGradients.Add((updateInputs.Count, entry._gradOutput[i]));
                updateInputs.Add(grads[i]);
            }
            var bindings = new List<GroupBinding>();
            Recorder.Push(updateTape);
            try
            {
                using (new NoGrad())
                {
                    foreach (var group in owner._optimizer.ParamGroups)
                        bindings.Add(GroupBinding.Trace(owner._optimizer, owner._update, group, reached));
                }
                updateTape.SetOutputs([]);
            }
            finally
            {
                Recorder.Pop(updateTape);
            }
            entry._groups = [.. bindings];
            if (owner._dynamic) return (null, result);

            if (tape.HostReads.Count > 0)
            {
                string message = $"{Operation}: the traced step read {tape.HostReads.Count} traced value(s) on the host ({string.Join("; ", tape.HostReads.Take(3))}), " +
                    "so its control flow may depend on the data, which a compiled step does not follow (this step's update has been applied). Keep the computation in tensor " +
                    "operations, compile with dynamic: true, or set CompileOptions.OnDataDependentTrace to Warn or Ignore.";
                if (owner._options.OnDataDependentTrace == DataDependencePolicy.Refuse)
                {
                    owner.AppliedBeforeFailure = result;
                    throw new InvalidOperationException(message);
                }
                if (owner._options.OnDataDependentTrace == DataDependencePolicy.Warn) owner._options.DebugWriter.WriteLine("warning: " + message);
            }
            try
            {
                entry.Tape = Compiler.Compiler.Prepare(tape, owner._options);
                entry.UpdateTape = Compiler.Compiler.Prepare(updateTape, owner._options);
            }
            catch
            {
                owner.AppliedBeforeFailure = result;
                throw;
            }
            entry._tapeInputs = [.. entry._parameters, input, .. (entry._sameBatch ? Array.Empty<Tensor>() : [target])];
            entry._updateInputs = [.. updateInputs];
            entry._updateGradients = [.. updateGradients];
            return (entry, result);
        }

        /// <summary>Whether this tape fits the batch and the current state of the model and optimiser (allocates nothing).</summary>
        public bool Matches(Tensor input, Tensor target, Optimizer optimizer)
        {
            if (ReferenceEquals(input, target) != _sameBatch) return false;
            if (!SpecIs(input, _inputSpec) || !SpecIs(target, _targetSpec)) return false;
            for (int i = 0; i < _modes.Length; i++)
                if (_modes[i].Module.Training != _modes[i].Training) return false;
            for (int i = 0; i < _parameters.Length; i++)
                if (_parameters[i].RequiresGrad != _requiresGrad[i]) return false;
            var groups = optimizer.ParamGroups;
            if (groups.Count != _groups.Length) return false;
            for (int g = 0; g < _groups.Length; g++)
                if (!_groups[g].Matches(groups[g], optimizer, _scratch)) return false;
            return true;
        }

        /// <summary>Runs forward and backward, binds the gradients, asks <paramref name="beforeUpdate"/>, then advances the counts, writes the scalars and runs the update.</summary>
        public TrainStepResult Run(Tensor input, Tensor target, IMultiTensorOptimizer update, Func<TrainStepResult, bool>? beforeUpdate)
        {
            _tapeInputs[_parameters.Length] = input;
            if (!_sameBatch) _tapeInputs[_parameters.Length + 1] = target;
            var outputs = Tape.Run(_tapeInputs);
            for (int i = 0; i < _trainable.Length; i++)
            {
                var grad = _gradOutput[i] >= 0 ? outputs[_gradOutput[i]] : null;
                if (!ReferenceEquals(_trainable[i].Grad, grad)) _trainable[i].Grad = grad;
            }
            var result = new TrainStepResult(outputs[0], outputs[1]);
            if (beforeUpdate is not null && !beforeUpdate(result)) return result with { UpdateSkipped = true };
            foreach (var binding in _groups) binding.Advance(update);
            foreach (var (slot, output) in _updateGradients) _updateInputs[slot] = outputs[output];
            UpdateTape.Run(_updateInputs);
            return result;
        }

        /// <summary>Profiles the forward and backward tape on the batch (and binds its gradients for the update).</summary>
        public IReadOnlyList<StepTiming> ProfileGradients(Tensor input, Tensor target, int runs)
        {
            _tapeInputs[_parameters.Length] = input;
            if (!_sameBatch) _tapeInputs[_parameters.Length + 1] = target;
            // The update between real steps writes the weights: each profiled run sees them changed, as a step does.
            var profile = Tape.Profile(_tapeInputs, runs, _trainable);
            var outputs = Tape.Run(_tapeInputs);
            foreach (var (slot, output) in _updateGradients) _updateInputs[slot] = outputs[output];
            return profile;
        }

        /// <summary>Profiles the update tape (each run advances the optimiser's counts as a step does).</summary>
        public IReadOnlyList<StepTiming> ProfileUpdate(IMultiTensorOptimizer update, int runs)
        {
            foreach (var binding in _groups) binding.Advance(update);
            return UpdateTape.Profile(_updateInputs, runs);
        }

        private static bool SpecIs(Tensor x, TensorSpec spec) => x.Shape == spec.Shape && x.DType == spec.DType && x.Device == spec.Device;
    }

    /// <summary>A parameter group's part of a compiled step: its recorded update and the scalar tensors the update reads.</summary>
    private sealed class GroupBinding
    {
        private ParamGroup _group = null!;
        private Tensor[] _groupParameters = [];
        private Tensor[] _updated = [];
        private Tensor[] _states = [];
        private KeyValuePair<string, object>[] _baked = [];
        private double[] _scalarValues = [];
        private Tensor[] _scalars = [];
        private object?[] _ownedCounts = [];
        private Tensor? _lr;

        /// <summary>Advances the group's counts and records its multi-tensor update (run eagerly as it is recorded).</summary>
        public static GroupBinding Trace(Optimizer optimizer, IMultiTensorOptimizer update, ParamGroup group, Dictionary<Tensor, Tensor> gradients)
        {
            var binding = new GroupBinding
            {
                _group = group,
                _groupParameters = [.. group.Parameters],
                _baked = group.Options.Where(o => o.Key != "lr").Select(o => new KeyValuePair<string, object>(o.Key, o.Value is double[] a ? a.Clone() : o.Value)).ToArray(),
            };
            var updated = group.Parameters.Where(gradients.ContainsKey).ToList();
            binding._updated = [.. updated];
            if (updated.Count == 0) return binding;
            var device = updated[0].Device;
            foreach (var p in updated)
            {
                optimizer.CheckDense(p);
                if (p.Device != device)
                    throw new NotSupportedException($"{Operation}: a parameter group holds parameters on {device} and {p.Device}; a compiled step updates one device per group.");
            }
            binding._scalarValues = new double[update.StepScalars * updated.Count];
            binding._ownedCounts = new object?[updated.Count];
            binding._scalars = new Tensor[binding._scalarValues.Length];
            for (int i = 0; i < binding._scalars.Length; i++) binding._scalars[i] = Tensor.Zeros([], DType.Float64, device);
            binding._lr = Tensor.Zeros([], DType.Float64, device);
            binding.Advance(update);
            update.Update(group, updated, updated.Select(p => gradients[p]).ToList(), binding._scalars, binding._lr);
            var states = new List<Tensor>();
            foreach (var p in updated) update.AddStateTensors(group, p, states);
            binding._states = [.. states];
            return binding;
        }

        /// <summary>Whether <paramref name="group"/> is still the group this was recorded for, with the same baked hyperparameters and state tensors.</summary>
        public bool Matches(ParamGroup group, Optimizer optimizer, List<Tensor> scratch)
        {
            if (!ReferenceEquals(group, _group)) return false;
            var parameters = group.Parameters;
            if (parameters.Count != _groupParameters.Length) return false;
            for (int i = 0; i < _groupParameters.Length; i++)
                if (!ReferenceEquals(parameters[i], _groupParameters[i])) return false;
            var options = group.Options;
            if (options.Count != _baked.Length + 1) return false;
            foreach (var (key, value) in _baked)
            {
                if (!options.TryGetValue(key, out var now)) return false;
                if (value is double[] a ? !(now is double[] b && a.AsSpan().SequenceEqual(b)) : !value.Equals(now)) return false;
            }
            if (_updated.Length == 0) return true;
            var update = (IMultiTensorOptimizer)optimizer;
            scratch.Clear();
            for (int i = 0; i < _updated.Length; i++) update.AddStateTensors(group, _updated[i], scratch);
            if (scratch.Count != _states.Length) return false;
            for (int i = 0; i < _states.Length; i++)
                if (!ReferenceEquals(scratch[i], _states[i])) return false;
            return true;
        }

        /// <summary>Advances the step counts in the optimiser's state and writes them and the learning rate into the tensors the tape reads.</summary>
        public void Advance(IMultiTensorOptimizer update)
        {
            if (_updated.Length == 0) return;
            update.Advance(_group, _updated, _scalarValues, _ownedCounts);
            for (int i = 0; i < _scalars.Length; i++) Write(_scalars[i], _scalarValues[i]);
            Write(_lr!, _group.LearningRate);
        }

        private static void Write(Tensor scalar, double value)
        {
            if (!scalar.Storage.TryWriteFloat64(scalar.Offset, value))
            {
                var host = scalar.Storage.Backend.FromHost(new[] { value }, DType.Float64);
                scalar.Storage.Backend.Copy(Tensor.OverStorage(host, []), scalar);
            }
            scalar.Storage.BumpVersion();   // a write outside the recorder, counted as the eager path counts its own
        }
    }
}
