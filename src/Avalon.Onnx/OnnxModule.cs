using Avalon.Nn;
using Google.Protobuf;
using Onnx;

namespace Avalon.Onnx;

/// <summary>
/// An ONNX model imported as a <see cref="Module"/>: its float initialisers are trainable parameters and
/// its integer and bool initialisers buffers, under state-dict keys from <see cref="OnnxStateKeys"/>;
/// <see cref="Forward(Tensor)"/> runs the graph eagerly with Avalon tensor operations, so the tape records
/// it and gradients reach the parameters. It can be a field of a user's model (freeze it with
/// <c>RequiresGrad_(false)</c>, add a head, fine-tune).
/// </summary>
/// <remarks>
/// Opsets 1–18 of the default domain (7–18 is the range checked most; older opsets run with the same
/// semantics, including the binary operators' legacy <c>broadcast</c>/<c>axis</c> attributes). Shapes are computed at run time, so dynamic (batch) dimensions
/// need nothing special. Dropout is active when the module is in training mode (unless the node's
/// training_mode input says otherwise); BatchNormalization follows the graph (its running statistics,
/// unless the node is in training mode).
/// </remarks>
public sealed class OnnxModule : Module
{
    /// <summary>The oldest default-domain opset supported.</summary>
    public const int MinOpset = 1;

    /// <summary>The newest default-domain opset supported.</summary>
    public const int MaxOpset = 18;

    private readonly OnnxGraph _graph;
    private readonly StateSlot[] _slots;
    private readonly Dictionary<GraphProto, OnnxGraph> _subgraphs = new(ReferenceEqualityComparer.Instance);

    private sealed class StateSlot(string key, string onnxName, Tensor value, bool isBuffer)
    {
        public string Key { get; } = key;
        public string OnnxName { get; } = onnxName;
        public Tensor Value { get; set; } = value;
        public bool IsBuffer { get; } = isBuffer;
    }

    private OnnxModule(ModelProto model, string? baseDirectory)
    {
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var o in model.OpsetImport) opsets[o.Domain is "ai.onnx" ? "" : o.Domain] = o.Version;
        if (!opsets.ContainsKey("")) opsets[""] = model.IrVersion <= 3 ? 1 : MinOpset;
        Opset = opsets[""];
        ProducerName = model.ProducerName;
        BaseDirectory = baseDirectory;
        var g = model.Graph ?? throw new InvalidDataException("onnx: the model has no graph.");
        _opsets = opsets;
        _graph = new OnnxGraph(g, opsets, baseDirectory, initializersAsConstants: false);
        var keys = OnnxStateKeys.Assign(g.Initializer.Select(i => i.Name).ToList());
        _slots = new StateSlot[g.Initializer.Count];
        for (int i = 0; i < _slots.Length; i++)
        {
            var t = OnnxTensors.ToTensor(g.Initializer[i], baseDirectory);
            bool isFloat = t.DType.IsFloatingPoint();
            if (isFloat) t.RequiresGrad = true;
            _slots[i] = new StateSlot(keys[i], g.Initializer[i].Name, t, !isFloat);
        }
        InputNames = _graph.InputNames;
        OutputNames = _graph.OutputNames;
    }

    private readonly Dictionary<string, long> _opsets;

    /// <summary>Loads a model file; external data files are read relative to its folder.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid ONNX model.</exception>
    /// <exception cref="UnsupportedOnnxOperatorException">The graph uses an operator the importer does not implement.</exception>
    public static OnnxModule Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        return Load(File.ReadAllBytes(full), Path.GetDirectoryName(full));
    }

    /// <summary>Loads a model from a stream; <paramref name="baseDirectory"/> is where external data files are looked for.</summary>
    public static OnnxModule Load(Stream stream, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Load(buffer.ToArray(), baseDirectory);
    }

    /// <summary>Loads a model from its serialised bytes; <paramref name="baseDirectory"/> is where external data files are looked for.</summary>
    public static OnnxModule Load(byte[] bytes, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"onnx: not a valid ONNX model: {e.Message}", e); }
        return new OnnxModule(model, baseDirectory);
    }

    /// <summary>The model's default-domain opset.</summary>
    public long Opset { get; }

    /// <summary>The tool that wrote the model (e.g. <c>pytorch</c>).</summary>
    public string ProducerName { get; }

    /// <summary>The folder external data is read from, if any.</summary>
    public string? BaseDirectory { get; }

    /// <summary>The graph inputs a caller feeds (initialisers excluded), in order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The graph outputs, in order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>The op types the graph uses, each once, in order of first use.</summary>
    public IReadOnlyList<string> OperatorTypes => _graph.Nodes.Select(n => n.OpType).Distinct().ToList();

    /// <summary>ONNX initialiser name → state-dict key.</summary>
    public IReadOnlyDictionary<string, string> StateKeys => _slots.ToDictionary(s => s.OnnxName, s => s.Key);

    /// <summary>Runs a model with one input and one output.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (InputNames.Count != 1 || OutputNames.Count != 1)
            throw new InvalidOperationException(
                $"OnnxModule.Forward(Tensor): the model has {InputNames.Count} inputs ({string.Join(", ", InputNames)}) and {OutputNames.Count} outputs; call Forward(Tensor[]) or Run.");
        return Forward([input])[0];
    }

    /// <summary>Runs the model on its inputs in <see cref="InputNames"/> order; returns the outputs in <see cref="OutputNames"/> order.</summary>
    public Tensor[] Forward(Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != InputNames.Count)
            throw new ArgumentException($"OnnxModule.Forward: the model takes {InputNames.Count} inputs ({string.Join(", ", InputNames)}), got {inputs.Length}.", nameof(inputs));
        var named = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++) named[InputNames[i]] = inputs[i];
        return RunGraph(named);
    }

    /// <summary>Runs the model on named inputs (an input may also replace an initialiser); returns every graph output by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var outputs = RunGraph(new Dictionary<string, Tensor>(inputs, StringComparer.Ordinal));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < outputs.Length; i++) result[OutputNames[i]] = outputs[i];
        return result;
    }

    private Tensor[] RunGraph(Dictionary<string, Tensor> values)
    {
        foreach (var name in InputNames)
            if (!values.ContainsKey(name))
                throw new ArgumentException($"OnnxModule: input '{name}' is required (inputs: {string.Join(", ", InputNames)}).");
        foreach (var slot in _slots) values.TryAdd(slot.OnnxName, slot.Value);
        var run = new OnnxRunContext(Training, null, Subgraph);
        return _graph.Run(values, run);
    }

    private OnnxGraph Subgraph(GraphProto proto)
    {
        lock (_subgraphs)
        {
            if (!_subgraphs.TryGetValue(proto, out var g))
                _subgraphs[proto] = g = new OnnxGraph(proto, _opsets, BaseDirectory, initializersAsConstants: true);
            return g;
        }
    }

    /// <inheritdoc />
    protected override IEnumerable<ModuleTensorSlot> AdditionalTensors() =>
        _slots.Select(s => new ModuleTensorSlot(s.Key, s.Value, s.IsBuffer, true, t => s.Value = t));

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"opset={Opset}, inputs=[{string.Join(", ", InputNames)}], outputs=[{string.Join(", ", OutputNames)}], nodes={_graph.Proto.Node.Count}";
}
