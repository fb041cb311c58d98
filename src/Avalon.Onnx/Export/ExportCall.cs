using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Onnx.Export;

/// <summary>
/// One primitive call being written as ONNX nodes: its inputs' value names and specs, its attributes (and,
/// with a dynamic batch, the same call's attributes traced at a batch one larger), and where its outputs go.
/// </summary>
internal sealed class ExportCall
{
    private readonly string[] _inputs;
    private readonly TensorSpec[] _inputSpecs;
    private readonly Attributes? _second;
    private readonly CallOp? _secondCall;

    public ExportCall(OnnxGraphWriter writer, CallOp call, string[] inputs, TensorSpec[] inputSpecs, string[] outputs,
        CallOp? secondCall, long firstBatch)
    {
        Writer = writer;
        Call = call;
        Attributes = call.Primitive.ValidateAttributes(call.Attributes);
        _inputs = inputs;
        _inputSpecs = inputSpecs;
        Outputs = outputs;
        _secondCall = secondCall;
        _second = secondCall is null ? null : secondCall.Primitive.ValidateAttributes(secondCall.Attributes);
        FirstBatch = firstBatch;
    }

    public OnnxGraphWriter Writer { get; }

    public CallOp Call { get; }

    public Attributes Attributes { get; }

    /// <summary>The names the call's outputs must be written to.</summary>
    public string[] Outputs { get; }

    /// <summary>The batch size of the first trace (the one whose numbers are written).</summary>
    public long FirstBatch { get; }

    public string Name => Call.Primitive.Name;

    public int InputCount => _inputs.Length;

    public string In(int k) => _inputs[k];

    public TensorSpec InSpec(int k) => _inputSpecs[k];

    public TensorSpec OutSpec(int k = 0) => Call.OutputSpec(k);

    public string Out(int k = 0) => Outputs[k];

    /// <summary>An error for a call this mapping cannot write.</summary>
    public NotSupportedException Unsupported(string why) =>
        new($"onnx export: primitive '{Name}' ({Call}) cannot be exported: {why}");

    private long[]? SecondLongs(string name) =>
        _second is null || !_second.Has(name) ? null : _second.Longs(name);

    /// <summary>An integer attribute that must not depend on the batch size.</summary>
    public long Long(string name)
    {
        long v = Attributes.Long(name);
        if (_second is not null && _second.Has(name) && _second.Long(name) != v)
            throw Unsupported($"its attribute '{name}' follows the batch size, which ONNX needs as a constant here; export without a dynamic batch.");
        return v;
    }

    /// <summary>An integer-list attribute that must not depend on the batch size.</summary>
    public long[] Longs(string name)
    {
        long[] v = Attributes.Longs(name);
        var s = SecondLongs(name);
        if (s is not null && !s.SequenceEqual(v))
            throw Unsupported($"its attribute '{name}' follows the batch size, which ONNX needs as a constant here; export without a dynamic batch.");
        return v;
    }

    /// <summary>An integer-list attribute as a 1-D int64 graph value, computed from the batch size where it follows it.</summary>
    public string LongsValue(string name) => Writer.Ints(Attributes.Longs(name), SecondLongs(name), FirstBatch);

    /// <summary>An integer attribute as a 1-D int64 graph value of one element, computed from the batch size where it follows it.</summary>
    public string LongValue(string name) =>
        Writer.Ints([Attributes.Long(name)], _second is not null && _second.Has(name) ? [_second.Long(name)] : null, FirstBatch);

    /// <summary>Whether output <paramref name="k"/> is read by a later node or returned.</summary>
    public bool IsUsed(int k) => Used(Call.Id + k);

    /// <summary>Tells whether a value id is read (set by the exporter).</summary>
    public Func<int, bool> Used { get; init; } = _ => true;

    /// <summary>Integers as a graph value given their values in both traces.</summary>
    public string LongsValue(long[] first, long[]? second) => Writer.Ints(first, second, FirstBatch);

    /// <summary>The shape of output <paramref name="k"/> as a 1-D int64 graph value (the batch size computed where it appears).</summary>
    public string OutShapeValue(int k = 0) =>
        Writer.Ints(OutSpec(k).Shape.ToArray().Select(d => (long)d).ToArray(),
            _secondCall?.OutputSpec(k).Shape.ToArray().Select(d => (long)d).ToArray(), FirstBatch);

    /// <summary>The shape of input <paramref name="k"/> as a 1-D int64 graph value.</summary>
    public string InShapeValue(int k) => Writer.Op("Shape", In(k));

    public double Double(string name) => Attributes.Double(name);

    public bool Bool(string name) => Attributes.Bool(name);

    /// <summary>Whether an attribute is present and not null.</summary>
    public bool HasValue(string name) => Attributes.Items.Any(kv => kv.Key == name && kv.Value is not null);

    /// <summary>Writes a node producing output 0.</summary>
    public void Emit(string opType, IReadOnlyList<string> inputs, params (string Name, object Value)[] attributes) =>
        Writer.Node(opType, inputs, [Out(0)], attributes);

    /// <summary>Writes an Identity from <paramref name="value"/> to output <paramref name="k"/>.</summary>
    public void EmitIdentity(string value, int k = 0) => Writer.Node("Identity", [value], [Out(k)]);

    /// <summary><paramref name="value"/> of <paramref name="from"/> as <paramref name="to"/> (unchanged when they agree).</summary>
    public string Cast(string value, DType from, DType to) =>
        from == to ? value : Writer.Node("Cast", [value], null, ("to", (long)OnnxGraphWriter.ElementType(to)));

    /// <summary>Input <paramref name="k"/> cast to <paramref name="dtype"/>.</summary>
    public string InAs(int k, DType dtype) => Cast(In(k), InSpec(k).DType, dtype);

    /// <summary>A dim normalised against a rank.</summary>
    public static long Axis(long dim, int rank) => dim < 0 ? dim + rank : dim;
}
