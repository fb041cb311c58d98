namespace Avalon.Interop.Safetensors;

/// <summary>The safetensors names of Avalon's dtypes, and the order the reference writer lays tensors out in.</summary>
internal static class SafetensorsDType
{
    /// <summary>Every dtype name the safetensors format defines, so an unsupported one can be told from garbage.</summary>
    private static readonly HashSet<string> s_known =
    [
        "BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16",
        "I32", "U32", "F32", "C64", "F64", "I64", "U64",
    ];

    /// <summary>The dtypes read: F32, F64, I64, I32 and BOOL as they are, F16 and BF16 as float32, I16, I8, U16 and U8 as int32, U32 and U64 as int64.</summary>
    public const string Supported = "F32, F64, F16 and BF16 (as float32), I64, I32, I16, I8, U16 and U8 (as int32), U32 and U64 (as int64), BOOL";

    public static string Name(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => throw OpErrors.NotSupported("safetensors", $"dtype {dtype.Name()} has no safetensors name."),
    };

    /// <summary>The element type (in <see cref="ElementReader"/>'s names) of a safetensors dtype that Avalon reads, or null.</summary>
    public static string? Parse(string name) => name switch
    {
        "F32" => "float32",
        "F64" => "float64",
        "F16" => "float16",
        "BF16" => "bfloat16",
        "I64" => "int64",
        "I32" => "int32",
        "I16" => "int16",
        "I8" => "int8",
        "U8" => "uint8",
        "U16" => "uint16",
        "U32" => "uint32",
        "U64" => "uint64",
        "BOOL" => "bool",
        _ => null,
    };

    public static bool IsKnown(string name) => s_known.Contains(name);

    /// <summary>
    /// The position of the dtype in the format's dtype list, which is ordered by alignment; the
    /// reference implementation writes tensors by descending rank, then by name.
    /// </summary>
    public static int AlignmentRank(DType dtype) => dtype switch
    {
        DType.Bool => 0,
        DType.Int32 => 13,
        DType.Float32 => 15,
        DType.Float64 => 17,
        DType.Int64 => 18,
        _ => throw OpErrors.NotSupported("safetensors", $"dtype {dtype.Name()} has no safetensors name."),
    };
}
