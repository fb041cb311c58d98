using Google.Protobuf;
using Onnx;

namespace Avalon.Onnx.Export;

/// <summary>
/// Collects the nodes, constants and initialisers of an exported graph: fresh value names, typed
/// constants, and the batch-size arithmetic of a graph with a dynamic batch.
/// </summary>
internal sealed class OnnxGraphWriter
{
    private int _next;
    private string? _batch;
    private readonly Dictionary<string, string> _constantCache = [];

    public GraphProto Graph { get; } = new();

    /// <summary>The graph input whose first dimension is the batch size (null: the batch is not dynamic).</summary>
    public string? BatchSource { get; set; }

    /// <summary>A fresh value name with the given stem.</summary>
    public string Fresh(string stem) => $"{stem}_{_next++}";

    /// <summary>Adds a node; returns the name of its first output.</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string>? outputs = null, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_next++}" };
        node.Input.AddRange(inputs);
        outputs ??= [Fresh(opType.ToLowerInvariant())];
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        Graph.Node.Add(node);
        return outputs[0];
    }

    /// <summary>A one-output node with a fresh output name.</summary>
    public string Op(string opType, params string[] inputs) => Node(opType, inputs);

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
            case bool b: a.Type = AttributeProto.Types.AttributeType.Int; a.I = b ? 1 : 0; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case double d: a.Type = AttributeProto.Types.AttributeType.Float; a.F = (float)d; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case int[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints.Select(x => (long)x)); break;
            case long[] longs: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(longs); break;
            case TensorProto t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = t; break;
            default: throw new InvalidOperationException($"onnx export: attribute '{name}' has an unsupported value type {value.GetType().Name}.");
        }
        return a;
    }

    /// <summary>A Constant node holding <paramref name="value"/>.</summary>
    public string Constant(Tensor value, string stem = "const")
    {
        string name = Fresh(stem);
        var proto = OnnxTensors.FromTensor(value.Contiguous(), name);
        return Node("Constant", [], [name], ("value", proto));
    }

    /// <summary>A 1-D int64 constant (cached: the same values give the same name).</summary>
    public string Longs(params long[] values)
    {
        string key = "i64:" + string.Join(",", values);
        if (_constantCache.TryGetValue(key, out var name)) return name;
        name = Constant(Tensor.From(values), "ints");
        _constantCache[key] = name;
        return name;
    }

    /// <summary>A 0-d constant of <paramref name="dtype"/> (cached).</summary>
    public string Scalar(double value, DType dtype)
    {
        string key = $"{dtype}:{value:R}";
        if (_constantCache.TryGetValue(key, out var name)) return name;
        var t = Tensor.Scalar(value, dtype);
        name = Constant(t, "scalar");
        _constantCache[key] = name;
        return name;
    }

    /// <summary>An initialiser named <paramref name="name"/> holding <paramref name="value"/>.</summary>
    public void Initializer(string name, Tensor value) => Graph.Initializer.Add(OnnxTensors.FromTensor(value.Contiguous(), name));

    /// <summary>The batch size as a 1-D int64 tensor of one element, read from the batch source's shape.</summary>
    public string Batch()
    {
        if (BatchSource is null) throw new InvalidOperationException("onnx export: the batch size is not dynamic.");
        return _batch ??= Node("Shape", [BatchSource], null, ("start", 0L), ("end", 1L));
    }

    /// <summary>
    /// A 1-D int64 tensor of integers that may follow the batch size: <paramref name="first"/> as traced, and
    /// <paramref name="second"/> as traced with a batch one larger (null: static). A value that changed is
    /// a·batch + c, computed from the batch source's shape.
    /// </summary>
    public string Ints(long[] first, long[]? second, long firstBatch)
    {
        if (second is null || first.SequenceEqual(second)) return Longs(first);
        if (second.Length != first.Length)
            throw new InvalidOperationException("onnx export: a list of sizes changes length with the batch size; export without a dynamic batch.");
        var pieces = new List<string>();
        var run = new List<long>();
        for (int i = 0; i < first.Length; i++)
        {
            long a = second[i] - first[i];
            if (a == 0) { run.Add(first[i]); continue; }
            if (run.Count > 0) { pieces.Add(Longs(run.ToArray())); run.Clear(); }
            long c = first[i] - a * firstBatch;
            string v = Batch();
            if (a != 1) v = Op("Mul", v, Longs(a));
            if (c != 0) v = Op("Add", v, Longs(c));
            pieces.Add(v);
        }
        if (run.Count > 0) pieces.Add(Longs(run.ToArray()));
        return pieces.Count == 1 ? pieces[0] : Node("Concat", pieces, null, ("axis", 0L));
    }

    /// <summary>The ONNX element type of <paramref name="dtype"/>.</summary>
    public static int ElementType(DType dtype) => (int)(dtype switch
    {
        DType.Float32 => TensorProto.Types.DataType.Float,
        DType.Float64 => TensorProto.Types.DataType.Double,
        DType.Int32 => TensorProto.Types.DataType.Int32,
        DType.Int64 => TensorProto.Types.DataType.Int64,
        DType.Bool => TensorProto.Types.DataType.Bool,
        _ => throw new NotSupportedException($"onnx export: dtype {dtype} has no ONNX element type here."),
    });

    /// <summary>A value description: element type and dims, a dim given as null being the symbolic <c>batch</c>.</summary>
    public static ValueInfoProto ValueInfo(string name, DType dtype, int?[] dims, string symbol = "batch")
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is int v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = symbol });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = ElementType(dtype), Shape = shape } },
        };
    }
}
