using Onnx;

namespace Avalon.Onnx;

/// <summary>One node of an ONNX graph with its attributes indexed by name and its domain's opset.</summary>
internal sealed class OnnxNode
{
    private readonly Dictionary<string, AttributeProto> _attributes = new(StringComparer.Ordinal);

    public OnnxNode(NodeProto proto, long opset)
    {
        Proto = proto;
        Opset = opset;
        foreach (var a in proto.Attribute) _attributes[a.Name] = a;
        Name = proto.Name.Length > 0 ? proto.Name : proto.Output.Count > 0 ? proto.Output[0] : proto.OpType;
    }

    public NodeProto Proto { get; }

    public string OpType => Proto.OpType;

    public string Domain => Proto.Domain is "ai.onnx" ? "" : Proto.Domain;

    /// <summary>The node's name, or its first output when unnamed.</summary>
    public string Name { get; }

    public long Opset { get; }

    public bool Has(string name) => _attributes.ContainsKey(name);

    public AttributeProto? Attribute(string name) => _attributes.GetValueOrDefault(name);
}

/// <summary>What an operator implementation sees: its node, its input values and the run's settings.</summary>
internal sealed class OnnxOpContext
{
    public OnnxOpContext(OnnxNode node, Tensor?[] inputs, OnnxRunContext run)
    {
        Node = node;
        Inputs = inputs;
        Run = run;
    }

    public OnnxNode Node { get; }

    public Tensor?[] Inputs { get; }

    public OnnxRunContext Run { get; }

    public long Opset => Node.Opset;

    /// <summary>The operator name used in error messages, e.g. <c>Conv (node 'conv1')</c>.</summary>
    public string Op => $"{Node.OpType} (node '{Node.Name}')";

    public int InputCount => Inputs.Length;

    /// <summary>How many outputs the node asks for (trailing empty names dropped).</summary>
    public int OutputCount
    {
        get
        {
            int n = Node.Proto.Output.Count;
            while (n > 0 && Node.Proto.Output[n - 1].Length == 0) n--;
            return n;
        }
    }

    public bool OutputWanted(int i) => i < Node.Proto.Output.Count && Node.Proto.Output[i].Length > 0;

    public Tensor Input(int i) =>
        i < Inputs.Length && Inputs[i] is { } t ? t : throw new ArgumentException($"{Op}: input {i} is required but missing.");

    public Tensor? OptionalInput(int i) => i < Inputs.Length ? Inputs[i] : null;

    public long Int(string name, long fallback) => Node.Attribute(name) is { } a ? a.I : fallback;

    public long? IntOrNull(string name) => Node.Attribute(name) is { } a ? a.I : null;

    public double Float(string name, double fallback) => Node.Attribute(name) is { } a ? a.F : fallback;

    public string String(string name, string fallback) => Node.Attribute(name) is { } a ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => Node.Attribute(name) is { } a ? a.Ints.ToArray() : null;

    public float[]? Floats(string name) => Node.Attribute(name) is { } a ? a.Floats.ToArray() : null;

    public string[]? Strings(string name) => Node.Attribute(name) is { } a ? a.Strings.Select(s => s.ToStringUtf8()).ToArray() : null;

    public GraphProto? Graph(string name) => Node.Attribute(name)?.G;

    /// <summary>An int64 list given as attribute <paramref name="attribute"/> (older opsets) or input <paramref name="input"/> (newer ones).</summary>
    public long[]? IntsFromAttributeOrInput(string attribute, int input)
    {
        if (Node.Has(attribute)) return Ints(attribute);
        return OptionalInput(input) is { } t ? OnnxShapes.Longs(t) : null;
    }

    public UnsupportedOnnxOperatorException Unsupported(string detail) =>
        new(Node.OpType, Node.Domain, Node.Name, Opset, detail);
}

/// <summary>Settings of one run of a graph: training mode, the values in scope and the enclosing scopes' values.</summary>
internal sealed class OnnxRunContext
{
    public OnnxRunContext(bool training, Func<string, Tensor?>? outerScope, Func<GraphProto, OnnxGraph> graphFactory)
    {
        Training = training;
        OuterScope = outerScope;
        GraphFactory = graphFactory;
    }

    public bool Training { get; }

    /// <summary>Looks up values of enclosing graphs (for the bodies of If).</summary>
    public Func<string, Tensor?>? OuterScope { get; }

    /// <summary>Builds (or finds) the runnable form of a subgraph.</summary>
    public Func<GraphProto, OnnxGraph> GraphFactory { get; }

    /// <summary>The values defined so far in the graph being run.</summary>
    public Dictionary<string, Tensor> Scope { get; set; } = new(StringComparer.Ordinal);

    public OnnxGraph GraphCache(GraphProto proto) => GraphFactory(proto);
}
