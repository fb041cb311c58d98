using Avalon.Autodiff;
using Avalon.Backends;
using Avalon.Compiler.Memory;
using Avalon.Primitives;
using Avalon.Primitives.InPlace;
using Avalon.Primitives.Views;

namespace Avalon.Compiler.Execution;

/// <summary>
/// A tape prepared to run over a memory plan: every tensor it needs (slices of one arena per dtype at
/// the planned offsets, views built once over them, input slots, seed tensors), every argument and
/// output array and every call's validated attributes are built once; <see cref="Run"/> then walks the
/// prepared steps, calling the kernels into their given buffers, and allocates no managed memory in
/// steady state.
/// </summary>
/// <remarks>
/// <para>Inputs: an input is bound by reference while the caller passes the same tensor object on every
/// run (parameters; nothing is copied); once a run passes another object, that input gets a slot of its
/// own in the arena that each run copies the caller's tensor into (a batch). An input the tape writes
/// into in place is always bound by reference (the write must reach the caller's tensor): a new object
/// there prepares the plan again. Constants (captured tensors) are bound by reference and read when the
/// tape runs, as a replay reads them.</para>
/// <para>Outputs: the tensors <see cref="Run"/> returns live in the arena (or are inputs or constants)
/// and are valid until the next run overwrites them; the returned array is the same array on every run.
/// Set <c>copyOutputs</c> to get fresh tensors the caller may keep (this allocates).</para>
/// <para>The executor calls kernels directly: no autograd graph is recorded, nothing is traced, and
/// anomaly detection does not look at the values. Not thread-safe: one run at a time.</para>
/// </remarks>
public sealed class CompiledTape
{
    private readonly bool _copyOutputs;
    private readonly bool[] _mutatedInput;
    private readonly Storage[] _mutatedConstantStorages;
    private readonly bool[] _inputInSlot;
    private readonly Tensor?[] _bound;
    private readonly TensorSpec[] _inputSpecs;
    private Tensor[] _inputSlots = [];
    private PlannedStep[] _steps = [];
    private Tensor[] _outputs = [];
    private Storage?[] _arenas = [];

    /// <summary>Prepares <paramref name="tape"/> (optimise it first with <see cref="Compiler.Optimize"/>).</summary>
    /// <param name="tape">The tape to run.</param>
    /// <param name="copyOutputs">Return copies of the outputs instead of arena-backed tensors.</param>
    /// <param name="log">Where the memory plan is reported (null: nowhere).</param>
    public CompiledTape(Tape tape, bool copyOutputs = false, PassContext? log = null)
    {
        ArgumentNullException.ThrowIfNull(tape);
        Tape = tape;
        _copyOutputs = copyOutputs;
        Log = log;
        int n = tape.Inputs.Count;
        _mutatedInput = new bool[n];
        _inputInSlot = new bool[n];
        _bound = new Tensor?[n];
        _inputSpecs = new TensorSpec[n];
        var alias = new AliasAnalysis(tape);
        for (int k = 0; k < n; k++)
        {
            _mutatedInput[k] = alias.IsMutated(tape.Inputs[k]);
            _inputSpecs[k] = tape[tape.Inputs[k]].Spec;
        }
        var constants = new HashSet<Storage>(ReferenceEqualityComparer.Instance);
        foreach (var op in tape.Ops)
            if (op is ConstantOp c && alias.IsMutated(c.Id)) constants.Add(c.Value.Storage);
        _mutatedConstantStorages = [.. constants];
    }

    /// <summary>The tape this runs.</summary>
    public Tape Tape { get; }

    /// <summary>The current memory plan (null until the first run prepares it).</summary>
    public MemoryPlan? Plan { get; private set; }

    /// <summary>How many times the plan was prepared (1 in steady state; more when an input changed mode).</summary>
    public int Preparations { get; private set; }

    private PassContext? Log { get; }

    /// <summary>
    /// Runs the tape on <paramref name="inputs"/> (the recorded shapes and dtypes) and returns its outputs,
    /// valid until the next run (see the remarks on <see cref="CompiledTape"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong number of inputs, or an input of another shape, dtype or device than traced.</exception>
    public Tensor[] Run(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != _bound.Length)
            throw OpErrors.Argument("CompiledTape.Run", $"the tape takes {_bound.Length} inputs but {inputs.Length} were given.");
        bool prepare = Plan is null;
        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k] ?? throw new ArgumentNullException(nameof(inputs), $"CompiledTape.Run: input {k} is null.");
            var spec = _inputSpecs[k];
            if (x.Shape != spec.Shape || x.DType != spec.DType || x.Device != spec.Device)
                throw OpErrors.Argument(
                    "CompiledTape.Run", $"input {k} ('{((InputOp)Tape[Tape.Inputs[k]]).Name}') was traced as {spec} but {x.DType.Name()}{x.Shape} on {x.Device} was given.");
            if (_inputInSlot[k] || ReferenceEquals(x, _bound[k])) continue;
            // Another object than the one bound: a slot of its own from now on, unless the tape writes into it.
            if (Plan is not null && !_mutatedInput[k]) _inputInSlot[k] = true;
            prepare = true;
        }
        if (prepare) Prepare(inputs);
        CopyInputsIntoSlots(inputs);
        BumpMutatedVersions(inputs);
        foreach (var step in _steps) step.Execute();
        if (!_copyOutputs) return _outputs;
        var copies = new Tensor[_outputs.Length];
        for (int i = 0; i < copies.Length; i++) copies[i] = _outputs[i].ContiguousCopy();
        return copies;
    }

    /// <summary>Runs once more, measuring the managed bytes each step allocates on this thread (diagnostics: which kernel allocates).</summary>
    internal List<(string Step, long Bytes)> MeasureStepAllocations(Tensor[] inputs)
    {
        Run(inputs);
        BumpMutatedVersions(inputs);
        var result = new List<(string, long)>();
        foreach (var step in _steps)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            step.Execute();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (bytes > 0) result.Add((step.Description.Length > 0 ? step.Description : step.GetType().Name, bytes));
        }
        return result;
    }

    /// <summary>
    /// Runs the tape <paramref name="runs"/> times, timing every planned step, and returns each step's mean
    /// time in tape order (a profile: which kernels the time goes to). The runs are real runs: outputs and
    /// in-place writes happen as in <see cref="Run"/>. Timing every step adds a clock read per step.
    /// </summary>
    /// <param name="inputs">The inputs, as for <see cref="Run"/>.</param>
    /// <param name="runs">How many timed runs (after one untimed run that prepares the plan).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="runs"/> is below 1.</exception>
    public IReadOnlyList<StepTiming> Profile(Tensor[] inputs, int runs = 10) => Profile(inputs, runs, null);

    /// <summary>
    /// <see cref="Profile(Tensor[], int)"/>, counting a change of every tensor of <paramref name="changedEachRun"/>
    /// before each run: a training step's tape sees new weights every run (the update between runs writes them),
    /// so what is keyed on their versions (packed weights) must not be reused across the profiled runs either.
    /// </summary>
    internal IReadOnlyList<StepTiming> Profile(Tensor[] inputs, int runs, IReadOnlyList<Tensor>? changedEachRun)
    {
        if (runs < 1) throw OpErrors.OutOfRange("CompiledTape.Profile", nameof(runs), runs, $"runs must be at least 1, got {runs}.");
        Run(inputs);
        var ticks = new long[_steps.Length];
        for (int r = 0; r < runs; r++)
        {
            CopyInputsIntoSlots(inputs);
            BumpMutatedVersions(inputs);
            if (changedEachRun is not null)
                foreach (var t in changedEachRun) t.Storage.BumpVersion();
            for (int i = 0; i < _steps.Length; i++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                _steps[i].Execute();
                ticks[i] += System.Diagnostics.Stopwatch.GetTimestamp() - start;
            }
        }
        var result = new StepTiming[_steps.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = new StepTiming(i, _steps[i].Operation, _steps[i].Description, ticks[i] * 1000.0 / System.Diagnostics.Stopwatch.Frequency / runs);
        return result;
    }

    /// <summary>
    /// Counts one in-place change of every input and captured tensor the tape writes into (the kernels
    /// write them directly, bypassing the recorder that bumps versions on the eager path), so that
    /// whatever is keyed on <see cref="Storage.Version"/> — another compiled tape's packed weights, an
    /// eager graph's saved inputs — sees the write. Done before the steps run: a run that throws halfway
    /// has still counted its writes.
    /// </summary>
    private void BumpMutatedVersions(Tensor[] inputs)
    {
        for (int k = 0; k < inputs.Length; k++)
            if (_mutatedInput[k]) inputs[k].Storage.BumpVersion();
        foreach (var storage in _mutatedConstantStorages) storage.BumpVersion();
    }

    /// <summary>Copies each input that has a slot of its own into it (the inputs bound by reference need nothing).</summary>
    private void CopyInputsIntoSlots(Tensor[] inputs)
    {
        for (int k = 0; k < inputs.Length; k++)
            if (_inputInSlot[k]) inputs[k].Storage.Backend.Copy(inputs[k], _inputSlots[k]);
    }

    private void Prepare(Tensor[] inputs)
    {
        Preparations++;
        var ops = Tape.Ops;
        var inputIndex = new Dictionary<int, int>();
        for (int k = 0; k < Tape.Inputs.Count; k++) inputIndex[Tape.Inputs[k]] = k;

        // 1. Layouts: which reshapes cannot be views, found on probe tensors (layouts without elements).
        var probes = new Dictionary<int, Tensor>();
        // One probe storage per dtype, as long as the largest value of that dtype (views check their bounds).
        var probeLength = new Dictionary<(DType, Device), int>();
        foreach (var op in ops)
            for (int o = 0; o < op.OutputCount; o++)
            {
                var spec = op.OutputSpec(o);
                probeLength[(spec.DType, spec.Device)] = Math.Max(probeLength.GetValueOrDefault((spec.DType, spec.Device)), spec.Shape.Numel);
            }
        var probeStorages = new Dictionary<(DType, Device), Storage>();
        Tensor Probe(TensorSpec spec)
        {
            if (!probeStorages.TryGetValue((spec.DType, spec.Device), out var s))
                probeStorages[(spec.DType, spec.Device)] = s = Backend.For(spec.Device).AllocateUninitialized(spec.DType, probeLength[(spec.DType, spec.Device)]);
            var shape = spec.Shape.ToArray();
            return new Tensor(s, shape, ShapeUtil.ContiguousStrides(shape), 0);
        }
        var copyingViews = new HashSet<int>();
        var arenaInputs = new HashSet<int>();
        var scratch = new Dictionary<int, TensorSpec>();
        for (int i = 0; i < ops.Count; i++)
        {
            switch (ops[i])
            {
                case InputOp input:
                    int k = inputIndex[input.Id];
                    if (_inputInSlot[k]) { arenaInputs.Add(input.Id); probes[input.Id] = Probe(input.Spec); }
                    else probes[input.Id] = inputs[k];
                    break;
                case ConstantOp c:
                    probes[c.Id] = c.Value;
                    break;
                case SeedOp s:
                    probes[s.Id] = Probe(s.Spec);
                    break;
                case CallOp call:
                    var args = Array.ConvertAll(call.Args, a => probes[a]);
                    var specs = OutputSpecs(call);
                    var effects = call.Primitive.Effects;
                    if (call.Primitive is ViewPrimitive view)
                    {
                        if (ReferenceEquals(view, ViewPrimitives.Reshape) && ViewPrimitives.ViewStrides(args[0].Shape.Dims, args[0].StridesInternal, specs[0].Shape.Dims) is null)
                        {
                            copyingViews.Add(call.Id);
                            probes[call.Id] = Probe(specs[0]);
                            break;
                        }
                        var views = view.Views(args, call.Primitive.ValidateAttributes(call.Attributes), specs);
                        for (int o = 0; o < views.Length; o++) probes[call.Id + o] = views[o];
                    }
                    else if (effects.IsInPlace)
                    {
                        for (int o = 0; o < call.OutputCount; o++) probes[call.Id + o] = args[effects.MutatedInputs[o]];
                        if (call.Primitive is InPlacePrimitive { Functional: not ViewPrimitive }) scratch[i] = specs[0];
                    }
                    else
                        for (int o = 0; o < call.OutputCount; o++) probes[call.Id + o] = Probe(specs[o]);
                    break;
            }
        }

        // 2. The memory plan and its arenas (kept across preparations when large enough).
        var plan = MemoryPlanner.Plan(Tape, copyingViews, arenaInputs, scratch);
        var arenas = new Storage?[plan.Arenas.Count];
        for (int a = 0; a < arenas.Length; a++)
        {
            var ap = plan.Arenas[a];
            var existing = Array.Find(_arenas, s => s is not null && s.DType == ap.DType && s.Device == ap.Device && s.Length >= ap.Length);
            arenas[a] = existing ?? Backend.For(ap.Device).AllocateUninitialized(ap.DType, (int)Math.Max(ap.Length, 1));
        }
        Tensor InArena(PlannedBuffer b, TensorSpec spec) => Tensor.OverStorage(arenas[b.Arena]!, spec.Shape.ToArray(), null, b.Offset);
        Tensor Buffer(int id, TensorSpec spec) =>
            plan.TryGetBuffer(id, out var b) ? InArena(b, spec) : throw OpErrors.State("CompiledTape", $"%{id} has no planned buffer. This is a bug in the planner.");

        // 3. The tensors and the steps. A weight (for packed matrix products) is memory outside the
        // arenas that this tape does not write.
        var notWeights = new HashSet<Storage>(ReferenceEqualityComparer.Instance);
        foreach (var a in arenas) if (a is not null) notWeights.Add(a);
        foreach (var c in _mutatedConstantStorages) notWeights.Add(c);
        for (int k = 0; k < inputs.Length; k++)
            if (_mutatedInput[k]) notWeights.Add(inputs[k].Storage);
        bool IsWeight(Storage s) => !notWeights.Contains(s);
        var values = new Dictionary<int, Tensor>();
        var steps = new List<PlannedStep>();
        var slots = new Tensor[inputs.Length];
        for (int i = 0; i < ops.Count; i++)
        {
            switch (ops[i])
            {
                case InputOp input:
                    int k = inputIndex[input.Id];
                    if (_inputInSlot[k]) values[input.Id] = slots[k] = Buffer(input.Id, input.Spec);
                    else values[input.Id] = _bound[k] = inputs[k];
                    break;
                case ConstantOp c:
                    values[c.Id] = c.Value;
                    break;
                case SeedOp s:
                    var seed = Backend.For(s.Spec.Device).Allocate(DType.Int64, 1);
                    values[s.Id] = Tensor.OverStorage(seed, []);
                    steps.Add(new SeedStep(s.Generator, values[s.Id]));
                    break;
                case CallOp call:
                    PrepareCall(i, call, values, steps, plan, InArena, Buffer, copyingViews, IsWeight);
                    break;
            }
        }
        Plan = plan;
        _arenas = arenas;
        _steps = [.. steps];
        _inputSlots = slots;
        _outputs = Tape.Outputs.Select(o => values[o]).ToArray();
        Log?.Log(1, plan.ToString());
    }

    private static void PrepareCall(int index, CallOp call, Dictionary<int, Tensor> values, List<PlannedStep> steps, MemoryPlan plan,
        Func<PlannedBuffer, TensorSpec, Tensor> inArena, Func<int, TensorSpec, Tensor> buffer, HashSet<int> copyingViews, Func<Storage, bool> isWeight)
    {
        var primitive = call.Primitive;
        var args = Array.ConvertAll(call.Args, a => values[a]);
        var attributes = primitive.ValidateAttributes(call.Attributes);
        var specs = OutputSpecs(call);
        var effects = primitive.Effects;
        if (primitive is ViewPrimitive view)
        {
            if (copyingViews.Contains(call.Id))
            {
                // A reshape the layout does not allow as a view: copy into the buffer, read as the new shape.
                var output = buffer(call.Id, specs[0]);
                var dense = Tensor.OverStorage(output.Storage, args[0].Shape.ToArray(), null, output.Offset);
                steps.Add(new CopyStep(args[0], dense));
                values[call.Id] = output;
                return;
            }
            var views = view.Views(args, attributes, specs);
            for (int o = 0; o < views.Length; o++)
            {
                if (!views[o].SharesStorageWith(args[0]))
                    throw OpErrors.State("CompiledTape", $"{call} did not give a view. This is a bug in the executor's layout analysis.");
                values[call.Id + o] = views[o];
            }
            return;
        }
        if (primitive is InPlacePrimitive inPlace)
        {
            var target = args[0];
            var mapped = inPlace.MapArguments(args);
            if (inPlace.Functional is ViewPrimitive functionalView)
            {
                // copy_: the source broadcast to the target is a view built once; each run copies it in.
                var functionalSpecs = inPlace.Functional.InferSpecs(Array.ConvertAll(mapped, t => t.Spec), attributes);
                steps.Add(new CopyStep(functionalView.Views(mapped, attributes, functionalSpecs)[0], target));
            }
            else
            {
                if (!plan.TryGetScratch(index, out var b))
                    throw OpErrors.State("CompiledTape", $"{call} has no scratch buffer. This is a bug in the planner.");
                var result = inArena(b, specs[0]);
                steps.Add(new KernelStep(inPlace.Functional.KernelFor(target.Device), mapped, attributes, [result], inPlace.Functional.Name) { Description = call.ToString() });
                steps.Add(new CopyStep(result, target));
            }
            values[call.Id] = target;
            return;
        }
        Tensor[] outputs;
        if (effects.IsInPlace)
        {
            outputs = new Tensor[call.OutputCount];
            for (int o = 0; o < outputs.Length; o++) outputs[o] = args[effects.MutatedInputs[o]];
        }
        else
        {
            outputs = new Tensor[call.OutputCount];
            for (int o = 0; o < outputs.Length; o++) outputs[o] = buffer(call.Id + o, specs[o]);
        }
        var device = outputs.Length > 0 ? outputs[0].Device : args.Length > 0 ? args[0].Device : Device.Cpu;
        var kernel = PackedWeightKernel.For(primitive, args, isWeight) ?? primitive.KernelFor(device);
        steps.Add(new KernelStep(kernel, args, attributes, outputs, primitive.Name) { Description = call.ToString() });
        for (int o = 0; o < outputs.Length; o++) values[call.Id + o] = outputs[o];
    }

    private static TensorSpec[] OutputSpecs(CallOp call)
    {
        var specs = new TensorSpec[call.OutputCount];
        for (int k = 0; k < specs.Length; k++) specs[k] = call.OutputSpec(k);
        return specs;
    }
}
