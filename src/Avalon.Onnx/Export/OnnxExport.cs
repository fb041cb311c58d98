using Avalon.Autodiff;
using Avalon.Interop;
using Avalon.Nn;
using Avalon.Primitives;
using Google.Protobuf;
using Onnx;

namespace Avalon.Onnx.Export;

/// <summary>
/// Writes a module's inference forward, or any function of tensors, as an ONNX model (opset 17): the
/// function is traced into a <see cref="Tape"/> and every primitive call becomes one or a few ONNX nodes
/// (the table is <see cref="MappedPrimitives"/>); a module's parameters and buffers become initialisers
/// named by their state-dict keys.
/// </summary>
/// <remarks>
/// The graph is the trace: control flow is frozen as it ran (as for <c>Compiler.Compile</c>), and a
/// host read of a traced value is refused. With <see cref="OnnxExportOptions.DynamicBatch"/> the function
/// is traced twice, at the inputs' batch size and at one more; every number that changes between the two
/// (a reshape's size, a slice bound, an output shape) is written as a·batch + c computed from the first
/// input's shape, so the model runs at any batch size; a number that must be an ONNX attribute (a
/// convolution's padding, a permutation) and changes is an error, as is a change in the traced calls.
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX opset of exported models.</summary>
    public const int Opset = 17;

    /// <summary>The primitives the exporter maps to ONNX, sorted by name.</summary>
    public static IReadOnlyList<string> MappedPrimitives { get; } = PrimitiveMappings.Names.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Exports <c>module.Forward(input)</c> in eval mode to <paramref name="path"/> (written atomically).</summary>
    public static void Save(Module module, string path, Tensor input, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(module, x => [module.Forward(x[0])], path, [input], options);
    }

    /// <summary>
    /// Exports a module's computation <paramref name="forward"/> (of the inputs, returning the outputs) in eval
    /// mode to <paramref name="path"/> (written atomically); the module's training mode is restored afterwards.
    /// </summary>
    public static void Save(Module module, Func<Tensor[], Tensor[]> forward, string path, Tensor[] inputs, OnnxExportOptions? options = null)
    {
        var bytes = ToBytes(module, forward, inputs, options);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>Exports a function of tensors to <paramref name="path"/> (written atomically); captured tensors are initialisers or constants.</summary>
    public static void Save(Func<Tensor[], Tensor[]> function, string path, Tensor[] inputs, OnnxExportOptions? options = null)
    {
        var bytes = ToBytes(function, inputs, options);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>The serialised model of a module's <paramref name="forward"/> in eval mode (see <see cref="Save(Module, Func{Tensor[], Tensor[]}, string, Tensor[], OnnxExportOptions?)"/>).</summary>
    public static byte[] ToBytes(Module module, Func<Tensor[], Tensor[]> forward, Tensor[] inputs, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(forward);
        bool training = module.Training;
        module.Eval();
        try
        {
            var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            foreach (var (key, t) in module.NamedParameters()) names.TryAdd(t, key);
            foreach (var (key, t) in module.NamedBuffers()) names.TryAdd(t, key);
            if (options?.NamedTensors is { } extra)
                foreach (var (key, t) in extra) names.TryAdd(t, key);
            return Build(forward, inputs, options ?? new OnnxExportOptions(), names).ToByteArray();
        }
        finally
        {
            module.Train(training);
        }
    }

    /// <summary>The serialised model of a function of tensors.</summary>
    public static byte[] ToBytes(Func<Tensor[], Tensor[]> function, Tensor[] inputs, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        if (options?.NamedTensors is { } extra)
            foreach (var (key, t) in extra) names.TryAdd(t, key);
        return Build(function, inputs, options ?? new OnnxExportOptions(), names).ToByteArray();
    }

    private static ModelProto Build(Func<Tensor[], Tensor[]> function, Tensor[] inputs, OnnxExportOptions options, Dictionary<Tensor, string> names)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var first = ExportTrace.Record(function, inputs);
        ExportTrace? second = null;
        long batch = 0;
        if (options.DynamicBatch)
        {
            if (inputs.Length == 0) throw new ArgumentException("onnx export: a dynamic batch needs at least one input.");
            foreach (var x in inputs)
                if (x.Shape.Rank == 0 || x.Shape[0] == 0)
                    throw new ArgumentException($"onnx export: a dynamic batch needs inputs with a first dimension of at least 1, got {x.DType.Name()}{x.Shape}.");
            batch = inputs[0].Shape[0];
            foreach (var x in inputs)
                if (x.Shape[0] != batch)
                    throw new ArgumentException($"onnx export: a dynamic batch needs one batch size in every input's first dimension, got {string.Join(", ", inputs.Select(i => i.Shape.ToString()))}.");
            var larger = inputs.Select(x => Tensor.Cat([x.Detach(), x.Detach().Narrow(0, 0, 1)], 0)).ToArray();
            second = ExportTrace.Record(function, larger);
            CheckSameStructure(first, second);
        }

        var inputNames = Names(options.InputNames, inputs.Length, "input");
        var outputNames = Names(options.OutputNames, first.Outputs.Length, "output");
        var writer = new OnnxGraphWriter();
        var graph = writer.Graph;
        graph.Name = options.GraphName;
        var valueNames = new Dictionary<int, string>();
        var used = new HashSet<int>(first.Outputs);
        foreach (var op in first.Tape.Ops)
            if (op is CallOp call)
                foreach (int a in call.Args) used.Add(a);
        var initialised = new HashSet<string>();

        var ops = first.Tape.Ops;
        int inputIndex = 0;
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            var other = second?.Tape.Ops[i];
            switch (op)
            {
                case InputOp input:
                {
                    string name = inputNames[inputIndex++];
                    valueNames[op.Id] = name;
                    graph.Input.Add(OnnxGraphWriter.ValueInfo(name, input.Spec.DType, Dims(input.Spec, other?.Spec)));
                    if (writer.BatchSource is null && options.DynamicBatch) writer.BatchSource = name;
                    break;
                }
                case SeedOp:
                    valueNames[op.Id] = "";
                    break;
                case ConstantOp constant:
                    valueNames[op.Id] = WriteConstant(writer, constant, other as ConstantOp, names, initialised, used.Contains(op.Id), batch);
                    break;
                case CallOp call:
                {
                    if (!PrimitiveMappings.TryGet(call.Primitive.Name, out var write))
                        throw new NotSupportedException(
                            $"onnx export: primitive '{call.Primitive.Name}' has no ONNX mapping (call '{call}'). Export a computation that avoids it " +
                            $"(for example in eval mode, without random draws or gradients), or add a mapping; OnnxExport.MappedPrimitives lists the {MappedPrimitives.Count} mapped primitives.");
                    var args = call.Args.Select(a => valueNames[a]).ToArray();
                    var specs = call.Args.Select(a => SpecOf(first.Tape, a)).ToArray();
                    var outs = Enumerable.Range(0, call.OutputCount).Select(k => $"v{call.Id + k}").ToArray();
                    for (int k = 0; k < outs.Length; k++) valueNames[call.Id + k] = outs[k];
                    write(new ExportCall(writer, call, args, specs, outs, other as CallOp, batch) { Used = used.Contains });
                    break;
                }
            }
        }

        for (int k = 0; k < first.Outputs.Length; k++)
        {
            int id = first.Outputs[k];
            writer.Node("Identity", [valueNames[id]], [outputNames[k]]);
            var spec = SpecOf(first.Tape, id);
            var otherSpec = second is null ? (TensorSpec?)null : SpecOf(second.Tape, second.Outputs[k]);
            graph.Output.Add(OnnxGraphWriter.ValueInfo(outputNames[k], spec.DType, Dims(spec, otherSpec)));
        }

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Avalon",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    private static string[] Names(IReadOnlyList<string>? given, int count, string stem)
    {
        if (given is not null)
        {
            if (given.Count != count) throw new ArgumentException($"onnx export: {count} {stem} name(s) are needed, {given.Count} were given.");
            if (given.Distinct().Count() != count || given.Any(string.IsNullOrEmpty))
                throw new ArgumentException($"onnx export: the {stem} names must be distinct and not empty, got [{string.Join(", ", given)}].");
            return given.ToArray();
        }
        return count == 1 ? [stem] : Enumerable.Range(0, count).Select(i => $"{stem}_{i}").ToArray();
    }

    private static TensorSpec SpecOf(Tape tape, int id)
    {
        var op = tape[id];
        return op.OutputSpec(id - op.Id);
    }

    /// <summary>The dims of a value as written: null (the symbolic batch) where the second trace's dim differs.</summary>
    private static int?[] Dims(TensorSpec spec, TensorSpec? other)
    {
        var dims = spec.Shape.ToArray();
        var result = new int?[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            result[i] = other is { } o && o.Shape.Rank == dims.Length && o.Shape[i] != dims[i] ? null : dims[i];
        return result;
    }

    private static string WriteConstant(OnnxGraphWriter writer, ConstantOp constant, ConstantOp? other, Dictionary<Tensor, string> names,
        HashSet<string> initialised, bool used, long batch)
    {
        var value = constant.Value;
        if (!used) return "";
        if (names.TryGetValue(value, out var key))
        {
            if (initialised.Add(key)) writer.Initializer(key, value.Detach());
            return key;
        }
        if (other is not null && !ReferenceEquals(other.Value, value))
        {
            if (other.Spec.Shape != constant.Spec.Shape)
            {
                // A tensor made inside the function with a batch-sized shape (zeros for an initial state): a fill is ConstantOfShape.
                var values = value.ToDoubleArray();
                var otherValues = other.Value.ToDoubleArray();
                bool filled = values.Length > 0 && values.All(v => v.Equals(values[0])) && otherValues.All(v => v.Equals(values[0]));
                if (!filled)
                    throw new NotSupportedException(
                        $"onnx export: constant %{constant.Id} ({constant.Spec}) changes shape with the batch size and is not one repeated value; export without a dynamic batch.");
                string shape = writer.Ints(constant.Spec.Shape.ToArray().Select(d => (long)d).ToArray(),
                    other.Spec.Shape.ToArray().Select(d => (long)d).ToArray(), batch);
                var fill = Tensor.Scalar(values[0], constant.Spec.DType).Reshape(1);
                return writer.Node("ConstantOfShape", [shape], null, ("value", OnnxTensors.FromTensor(fill, "value")));
            }
            if (value.Shape.Numel <= 4096 && !value.ToDoubleArray().SequenceEqual(other.Value.ToDoubleArray()))
                throw new NotSupportedException(
                    $"onnx export: constant %{constant.Id} ({constant.Spec}) holds values that change with the batch size (a count or mean over the batch?); export without a dynamic batch.");
        }
        return writer.Constant(value.Detach());
    }

    private static void CheckSameStructure(ExportTrace first, ExportTrace second)
    {
        var a = first.Tape.Ops;
        var b = second.Tape.Ops;
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            bool same = (a[i], b[i]) switch
            {
                (CallOp x, CallOp y) => x.Primitive == y.Primitive && x.Args.SequenceEqual(y.Args) && x.OutputCount == y.OutputCount,
                var (x, y) => x.GetType() == y.GetType() && x.Id == y.Id,
            };
            if (!same)
                throw new NotSupportedException(
                    $"onnx export: the traced computation changes with the batch size (op {i}: '{a[i]}' at batch {first.OutputValues[0].Shape}, '{b[i]}' one larger), " +
                    "so it cannot be written with a dynamic batch; export without it.");
        }
        if (a.Count != b.Count || !first.Outputs.SequenceEqual(second.Outputs))
            throw new NotSupportedException(
                $"onnx export: the traced computation changes with the batch size ({a.Count} ops, then {b.Count} one larger); export without a dynamic batch.");
    }
}
