using Avalon.Onnx.Ops;
using Onnx;

namespace Avalon.Onnx;

/// <summary>
/// A graph ready to run: its nodes (in the file's topological order) with their operators looked up,
/// its constant initialisers, and its input and output names. Running evaluates the nodes eagerly with
/// Avalon tensor operations.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly (OnnxNode Node, OnnxOp Op)[] _nodes;

    public OnnxGraph(GraphProto proto, IReadOnlyDictionary<string, long> opsets, string? baseDirectory, bool initializersAsConstants)
    {
        Proto = proto;
        Opsets = opsets;
        BaseDirectory = baseDirectory;
        var nodes = new List<(OnnxNode, OnnxOp)>(proto.Node.Count);
        foreach (var n in proto.Node)
        {
            string domain = n.Domain is "ai.onnx" ? "" : n.Domain;
            long opset = opsets.TryGetValue(domain, out var v) ? v : 0;
            var node = new OnnxNode(n, opset);
            var op = OnnxOperators.Find(n.OpType, domain)
                ?? throw new UnsupportedOnnxOperatorException(n.OpType, domain, node.Name, opset);
            if (domain.Length == 0 && (opset < OnnxModule.MinOpset || opset > OnnxModule.MaxOpset))
                throw new UnsupportedOnnxOperatorException(n.OpType, domain, node.Name, opset, $"opsets {OnnxModule.MinOpset}–{OnnxModule.MaxOpset} are supported");
            foreach (var a in n.Attribute)
            {
                if (a.G is { } g) _ = new OnnxGraph(g, opsets, baseDirectory, true);
                foreach (var sg in a.Graphs) _ = new OnnxGraph(sg, opsets, baseDirectory, true);
            }
            nodes.Add((node, op));
        }
        _nodes = nodes.ToArray();
        var init = new HashSet<string>(proto.Initializer.Select(i => i.Name));
        InputNames = proto.Input.Select(i => i.Name).Where(n => !init.Contains(n)).ToArray();
        OutputNames = proto.Output.Select(o => o.Name).ToArray();
        if (initializersAsConstants)
            foreach (var i in proto.Initializer) Constants[i.Name] = OnnxTensors.ToTensor(i, baseDirectory);
    }

    public GraphProto Proto { get; }

    public IReadOnlyDictionary<string, long> Opsets { get; }

    public string? BaseDirectory { get; }

    /// <summary>Graph inputs that are not initialisers (the values a caller feeds).</summary>
    public string[] InputNames { get; }

    public string[] OutputNames { get; }

    /// <summary>Initialisers of subgraphs, held as constants.</summary>
    public Dictionary<string, Tensor> Constants { get; } = new(StringComparer.Ordinal);

    public IEnumerable<OnnxNode> Nodes => _nodes.Select(n => n.Node);

    /// <summary>Runs the graph on <paramref name="values"/> (inputs and initialisers) and returns its outputs in order.</summary>
    public Tensor[] Run(Dictionary<string, Tensor> values, OnnxRunContext run)
    {
        var env = values;
        run.Scope = env;
        foreach (var (name, t) in Constants) env.TryAdd(name, t);
        foreach (var (node, op) in _nodes)
        {
            var inputs = new Tensor?[node.Proto.Input.Count];
            for (int i = 0; i < inputs.Length; i++)
            {
                string name = node.Proto.Input[i];
                if (name.Length == 0) continue;
                inputs[i] = env.TryGetValue(name, out var v) ? v
                    : run.OuterScope?.Invoke(name)
                    ?? throw new InvalidOperationException($"onnx: node '{node.Name}' ({node.OpType}) reads '{name}', which no earlier node, input or initialiser defines.");
            }
            Tensor?[] outputs;
            try
            {
                outputs = op(new OnnxOpContext(node, inputs, run));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException && e is not ArgumentNullException)
            {
                throw new InvalidOperationException(
                    $"onnx: node '{node.Name}' ({node.OpType}, opset {node.Opset}) failed on inputs {string.Join(", ", inputs.Select(Describe))}: {e.Message}", e);
            }
            for (int i = 0; i < node.Proto.Output.Count && i < outputs.Length; i++)
            {
                string name = node.Proto.Output[i];
                if (name.Length == 0) continue;
                env[name] = outputs[i] ?? throw new InvalidOperationException($"onnx: node '{node.Name}' ({node.OpType}) did not produce output {i} ('{name}').");
            }
        }
        var result = new Tensor[OutputNames.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = env.TryGetValue(OutputNames[i], out var v) ? v
                : run.OuterScope?.Invoke(OutputNames[i])
                ?? throw new InvalidOperationException($"onnx: graph output '{OutputNames[i]}' is never computed.");
        return result;
    }

    private static string Describe(Tensor? t) => t is null ? "(absent)" : $"{t.DType.Name()}{t.Shape}";
}
