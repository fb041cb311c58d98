using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Avalon.Onnx;

/// <summary>
/// Conversion between ONNX <c>TensorProto</c>s and Avalon tensors. ONNX element types without an Avalon
/// dtype are widened: 8- and 16-bit integers to int32, uint32/uint64 to int64, float16/bfloat16 to float32.
/// Strings and complex numbers are not supported.
/// </summary>
public static class OnnxTensors
{
    /// <summary>The largest tensor (in elements) read from a file: 2³¹ − 1, Avalon's element index range.</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>Reads a serialised <c>TensorProto</c> (the <c>.pb</c> files of ONNX's test data).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid tensor, or its data does not match its shape.</exception>
    public static Tensor ReadTensorFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        TensorProto proto;
        try { proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"onnx: '{path}' is not a serialised TensorProto: {e.Message}", e); }
        return ToTensor(proto, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>The name of an ONNX element type (<c>TensorProto.DataType</c>), e.g. <c>FLOAT</c>.</summary>
    public static string ElementTypeName(int dataType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType) ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant() : $"type {dataType}";

    /// <summary>The Avalon dtype that holds ONNX element type <paramref name="dataType"/>, or null when none does.</summary>
    public static DType? DTypeOf(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 => DType.Float32,
        TensorProto.Types.DataType.Double => DType.Float64,
        TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Int32 => DType.Int32,
        TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint32 or TensorProto.Types.DataType.Uint64 => DType.Int64,
        TensorProto.Types.DataType.Bool => DType.Bool,
        _ => null,
    };

    internal static int[] Dims(TensorProto proto)
    {
        var dims = new int[proto.Dims.Count];
        long n = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0 || d > MaxElements)
                throw new InvalidDataException($"onnx: tensor '{proto.Name}' has an invalid dimension {d} in shape [{string.Join(", ", proto.Dims)}].");
            n *= d;
            if (n > MaxElements)
                throw new InvalidDataException($"onnx: tensor '{proto.Name}' of shape [{string.Join(", ", proto.Dims)}] has more than {MaxElements} elements.");
            dims[i] = (int)d;
        }
        return dims;
    }

    /// <summary>Converts a <c>TensorProto</c>; external data is read relative to <paramref name="baseDirectory"/>.</summary>
    internal static Tensor ToTensor(TensorProto proto, string? baseDirectory)
    {
        var dims = Dims(proto);
        int n = OnnxShapes.Numel(dims);
        var type = (TensorProto.Types.DataType)proto.DataType;
        if (DTypeOf(proto.DataType) is null)
            throw new NotSupportedException($"onnx: tensor '{proto.Name}' has element type {ElementTypeName(proto.DataType)}, which Avalon does not support.");
        ReadOnlySpan<byte> raw = default;
        bool hasRaw = false;
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            raw = OnnxExternalData.Read(proto, baseDirectory);
            hasRaw = true;
        }
        else if (proto.HasRawData)
        {
            raw = proto.RawData.Span;
            hasRaw = true;
        }
        int size = ElementSize(type);
        if (hasRaw && raw.Length != (long)n * size)
            throw new InvalidDataException($"onnx: tensor '{proto.Name}' of shape {OnnxShapes.Format(dims)} and type {ElementTypeName(proto.DataType)} needs {(long)n * size} bytes of raw data, got {raw.Length}.");
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
                return Tensor.From(hasRaw ? MemoryMarshal.Cast<byte, float>(raw).ToArray() : Check(proto.FloatData.ToArray(), n, proto), dims);
            case TensorProto.Types.DataType.Double:
                return Tensor.From(hasRaw ? MemoryMarshal.Cast<byte, double>(raw).ToArray() : Check(proto.DoubleData.ToArray(), n, proto), dims);
            case TensorProto.Types.DataType.Int64:
                return Tensor.From(hasRaw ? MemoryMarshal.Cast<byte, long>(raw).ToArray() : Check(proto.Int64Data.ToArray(), n, proto), dims);
            case TensorProto.Types.DataType.Int32:
                return Tensor.From(hasRaw ? MemoryMarshal.Cast<byte, int>(raw).ToArray() : Check(proto.Int32Data.ToArray(), n, proto), dims);
            case TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16:
            {
                var values = new int[n];
                if (hasRaw)
                {
                    for (int i = 0; i < n; i++)
                        values[i] = type switch
                        {
                            TensorProto.Types.DataType.Int8 => (sbyte)raw[i],
                            TensorProto.Types.DataType.Uint8 => raw[i],
                            TensorProto.Types.DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]),
                            _ => BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]),
                        };
                }
                else
                {
                    var src = Check(proto.Int32Data.ToArray(), n, proto);
                    for (int i = 0; i < n; i++)
                        values[i] = type switch
                        {
                            TensorProto.Types.DataType.Int8 => (sbyte)src[i],
                            TensorProto.Types.DataType.Uint8 => (byte)src[i],
                            TensorProto.Types.DataType.Int16 => (short)src[i],
                            _ => (ushort)src[i],
                        };
                }
                return Tensor.From(values, dims);
            }
            case TensorProto.Types.DataType.Uint32 or TensorProto.Types.DataType.Uint64:
            {
                var values = new long[n];
                if (hasRaw)
                {
                    for (int i = 0; i < n; i++)
                        values[i] = type == TensorProto.Types.DataType.Uint32
                            ? BinaryPrimitives.ReadUInt32LittleEndian(raw[(4 * i)..])
                            : (long)BinaryPrimitives.ReadUInt64LittleEndian(raw[(8 * i)..]);
                }
                else
                {
                    var src = Check(proto.Uint64Data.ToArray(), n, proto);
                    for (int i = 0; i < n; i++) values[i] = (long)src[i];
                }
                return Tensor.From(values, dims);
            }
            case TensorProto.Types.DataType.Bool:
            {
                var values = new bool[n];
                if (hasRaw) for (int i = 0; i < n; i++) values[i] = raw[i] != 0;
                else
                {
                    var src = Check(proto.Int32Data.ToArray(), n, proto);
                    for (int i = 0; i < n; i++) values[i] = src[i] != 0;
                }
                return Tensor.From(values, dims);
            }
            case TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16:
            {
                var values = new float[n];
                var src = hasRaw ? null : Check(proto.Int32Data.ToArray(), n, proto);
                for (int i = 0; i < n; i++)
                {
                    ushort bits = hasRaw ? BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]) : (ushort)src![i];
                    values[i] = type == TensorProto.Types.DataType.Float16
                        ? (float)BitConverter.UInt16BitsToHalf(bits)
                        : BitConverter.Int32BitsToSingle(bits << 16);
                }
                return Tensor.From(values, dims);
            }
            default:
                throw new NotSupportedException($"onnx: tensor '{proto.Name}' has element type {ElementTypeName(proto.DataType)}, which Avalon does not support.");
        }
    }

    private static T[] Check<T>(T[] values, int n, TensorProto proto)
    {
        if (values.Length != n)
            throw new InvalidDataException($"onnx: tensor '{proto.Name}' of shape [{string.Join(", ", proto.Dims)}] needs {n} values, got {values.Length}.");
        return values;
    }

    internal static int ElementSize(TensorProto.Types.DataType type) => type switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => 8,
        TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 => 2,
        _ => 1,
    };

    /// <summary>An Avalon tensor as a serialised <c>TensorProto</c> named <paramref name="name"/> (the format of the <c>.pb</c> test files).</summary>
    public static byte[] ToTensorProtoBytes(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(name);
        return FromTensor(tensor, name).ToByteArray();
    }

    /// <summary>Converts an Avalon tensor to a <c>TensorProto</c> with raw little-endian data.</summary>
    internal static TensorProto FromTensor(Tensor tensor, string name)
    {
        var proto = new TensorProto { Name = name };
        foreach (var d in tensor.Shape.ToArray()) proto.Dims.Add(d);
        byte[] bytes = tensor.DType switch
        {
            DType.Float32 => MemoryMarshal.AsBytes<float>(tensor.ToArray<float>()).ToArray(),
            DType.Float64 => MemoryMarshal.AsBytes<double>(tensor.ToArray<double>()).ToArray(),
            DType.Int32 => MemoryMarshal.AsBytes<int>(tensor.ToArray<int>()).ToArray(),
            DType.Int64 => MemoryMarshal.AsBytes<long>(tensor.ToArray<long>()).ToArray(),
            DType.Bool => Array.ConvertAll(tensor.ToArray<bool>(), b => b ? (byte)1 : (byte)0),
            _ => throw new NotSupportedException($"onnx: cannot write dtype {tensor.DType}."),
        };
        proto.DataType = tensor.DType switch
        {
            DType.Float32 => (int)TensorProto.Types.DataType.Float,
            DType.Float64 => (int)TensorProto.Types.DataType.Double,
            DType.Int32 => (int)TensorProto.Types.DataType.Int32,
            DType.Int64 => (int)TensorProto.Types.DataType.Int64,
            _ => (int)TensorProto.Types.DataType.Bool,
        };
        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }
}
