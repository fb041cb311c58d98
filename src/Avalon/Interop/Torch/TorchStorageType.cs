using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
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
    /// <exception cref="InvalidDataException">A bool element is neither 0 nor 1.</exception>
    /// <exception cref="EndOfStreamException">The stream ends early.</exception>
    public void Read(Stream stream, Array array, int count, string what)
    {
        if (ElementSize == DType.SizeOf())
        {
            var bytes = HostTensors.BytesOf(array)[..checked(count * ElementSize)];
            stream.ReadExactly(bytes);
            if (DType == DType.Bool)
            {
                int bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
                if (bad >= 0) throw new InvalidDataException($"torch: {what}: bool element {bad} holds the byte {bytes[bad]}; expected 0 or 1.");
            }
            return;
        }
        const int Chunk = 1 << 16;
        var buffer = ArrayPool<byte>.Shared.Rent(Chunk * ElementSize);
        try
        {
            for (int start = 0; start < count; start += Chunk)
            {
                int n = Math.Min(Chunk, count - start);
                var span = buffer.AsSpan(0, n * ElementSize);
                stream.ReadExactly(span);
                Convert(span, array, start, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Convert(ReadOnlySpan<byte> source, Array array, int start, int n)
    {
        switch (TorchDType)
        {
            case "float16":
            {
                var target = ((float[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                break;
            }
            case "bfloat16":
            {
                var target = ((float[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
            }
            case "int16":
            {
                var target = ((int[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(2 * i)..]);
                break;
            }
            case "int8":
            {
                var target = ((int[])array).AsSpan(start, n);
                var values = MemoryMarshal.Cast<byte, sbyte>(source);
                for (int i = 0; i < n; i++) target[i] = values[i];
                break;
            }
            case "uint8":
            {
                var target = ((int[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = source[i];
                break;
            }
            default:
                throw new InvalidOperationException($"TorchStorageType.Convert: no conversion for {TorchDType}.");
        }
    }
}
