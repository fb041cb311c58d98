using Avalon.Data;

namespace Avalon.Interop.Torch;

/// <summary>
/// A PyTorch storage class (<c>torch.FloatStorage</c>, ...): the element type in the file and the Avalon
/// dtype it loads as. float16 and bfloat16 load as float32, int8, uint8 and int16 as int32 (Avalon's
/// dtypes), exactly: every value of the narrower type is representable.
/// </summary>
internal sealed record TorchStorageType(string Name, string TorchDType, int ElementSize, DType DType)
{
    private static readonly TorchStorageType[] s_all =
    [
        new("FloatStorage", "float32", 4, DType.Float32),
        new("DoubleStorage", "float64", 8, DType.Float64),
        new("HalfStorage", "float16", 2, DType.Float32),
        new("BFloat16Storage", "bfloat16", 2, DType.Float32),
        new("LongStorage", "int64", 8, DType.Int64),
        new("IntStorage", "int32", 4, DType.Int32),
        new("ShortStorage", "int16", 2, DType.Int32),
        new("CharStorage", "int8", 1, DType.Int32),
        new("ByteStorage", "uint8", 1, DType.Int32),
        new("BoolStorage", "bool", 1, DType.Bool),
    ];

    /// <summary>Storage classes PyTorch has whose element types Avalon lacks.</summary>
    private static readonly HashSet<string> s_unsupported =
    [
        "ComplexFloatStorage", "ComplexDoubleStorage", "ComplexHalfStorage", "QInt8Storage", "QUInt8Storage",
        "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage", "Float8_e4m3fnStorage", "Float8_e5m2Storage",
        "UInt16Storage", "UInt32Storage", "UInt64Storage",
    ];

    /// <summary>The storage class named <paramref name="name"/> in module <c>torch</c>, or null.</summary>
    public static TorchStorageType? Find(string name) => s_all.FirstOrDefault(t => t.Name == name);

    /// <summary>The storage class for an Avalon dtype when writing.</summary>
    public static TorchStorageType For(DType dtype) => dtype switch
    {
        DType.Float32 => s_all[0],
        DType.Float64 => s_all[1],
        DType.Int64 => s_all[4],
        DType.Int32 => s_all[5],
        DType.Bool => s_all[9],
        _ => throw OpErrors.NotSupported("TorchFile.Save", $"dtype {dtype.Name()} has no PyTorch storage type."),
    };

    /// <summary>True for a PyTorch storage class whose element type Avalon does not have.</summary>
    public static bool IsUnsupported(string name) => s_unsupported.Contains(name);

    /// <summary>The zeroed array that holds <paramref name="count"/> elements once loaded.</summary>
    public Array NewArray(int count) => HostTensors.NewArray(DType, count);

    /// <summary>
    /// Reads <paramref name="count"/> elements in the file's little-endian layout from <paramref name="stream"/>
    /// into <paramref name="array"/> (from <see cref="NewArray"/>), converting where the dtypes differ.
    /// </summary>
    public void Read(Stream stream, Array array, int count, string what) => ElementReader.Read(stream, TorchDType, array, count, "torch: " + what);
}
