namespace Avalon.Onnx.Export;

/// <summary>
/// The primitive → ONNX (opset 17) mapping table: for each primitive name, the function that writes one
/// call of it as nodes. The families are in <c>PrimitiveMappings.*.cs</c>.
/// </summary>
internal static partial class PrimitiveMappings
{
    private static readonly Dictionary<string, Action<ExportCall>> s_table = Build();

    /// <summary>The primitives with a mapping, by name.</summary>
    public static IReadOnlyCollection<string> Names => s_table.Keys;

    public static bool TryGet(string primitive, out Action<ExportCall> write) => s_table.TryGetValue(primitive, out write!);

    private static Dictionary<string, Action<ExportCall>> Build()
    {
        var t = new Dictionary<string, Action<ExportCall>>();
        AddElementwise(t);
        AddShape(t);
        AddReductions(t);
        AddIndexing(t);
        AddNn(t);
        return t;
    }
}
