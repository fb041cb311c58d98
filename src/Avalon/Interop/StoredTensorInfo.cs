namespace Avalon.Interop;

/// <summary>What a file says about one of its tensors, known without reading the tensor's data.</summary>
/// <param name="Name">The tensor's key (a <c>state_dict</c> name, dotted).</param>
/// <param name="DType">The Avalon dtype it loads as (float16 and bfloat16 load as float32, 8- and 16-bit integers as int32, uint32 and uint64 as int64).</param>
/// <param name="Shape">Its sizes.</param>
/// <param name="StoredType">The element type in the file, in PyTorch's names: <c>float32</c>, <c>float16</c>, <c>bfloat16</c>, <c>int8</c>, <c>uint64</c>, <c>bool</c>, ...</param>
public sealed record StoredTensorInfo(string Name, DType DType, Shape Shape, string StoredType)
{
    /// <summary>Formats like <c>w: float32[2, 3] (stored as float16)</c>.</summary>
    public override string ToString() =>
        $"{Name}: {DType.Name()}{Shape}" + (ElementReader.Describe(StoredType) is { } d && d.DType.SizeOf() != d.Size ? $" (stored as {StoredType})" : "");
}
