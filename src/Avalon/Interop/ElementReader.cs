using System.Buffers;
using System.Buffers.Binary;
using Avalon.Data;

namespace Avalon.Interop;

/// <summary>
/// Reads little-endian elements of a file's element type into the array of the Avalon dtype it loads as:
/// float16 and bfloat16 widen to float32, int8, uint8, int16 and uint16 to int32, uint32 to int64, uint64
/// to int64 (values above <see cref="long.MaxValue"/> are refused), all exactly; the other types are read as
/// they are. Shared by the safetensors and PyTorch readers.
/// </summary>
internal static class ElementReader
{
    /// <summary>The file element types this reader converts, with their sizes and the dtype they load as.</summary>
    public static (int Size, DType DType)? Describe(string elementType) => elementType switch
    {
        "float32" => (4, DType.Float32),
        "float64" => (8, DType.Float64),
        "float16" or "bfloat16" => (2, DType.Float32),
        "int64" => (8, DType.Int64),
        "int32" => (4, DType.Int32),
        "int16" or "uint16" => (2, DType.Int32),
        "int8" or "uint8" => (1, DType.Int32),
        "uint32" or "uint64" => (elementType == "uint32" ? 4 : 8, DType.Int64),
        "bool" => (1, DType.Bool),
        _ => null,
    };

    /// <summary>
    /// Reads <paramref name="count"/> elements of <paramref name="elementType"/> from <paramref name="stream"/>
    /// into <paramref name="array"/> (a <see cref="HostTensors.NewArray"/> array of the loaded dtype).
    /// </summary>
    /// <param name="stream">The bytes, positioned at the first element.</param>
    /// <param name="elementType">The file's element type (a name <see cref="Describe"/> knows).</param>
    /// <param name="array">The destination.</param>
    /// <param name="count">The number of elements.</param>
    /// <param name="what">The format, file and tensor, for error messages ("safetensors: 'a.safetensors': tensor 'w'").</param>
    /// <param name="start">The index in <paramref name="array"/> of the first element to write.</param>
    /// <exception cref="InvalidDataException">A bool element is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">A uint64 element exceeds <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ends early.</exception>
    public static void Read(Stream stream, string elementType, Array array, int count, string what, int start = 0)
    {
        var (size, dtype) = Describe(elementType) ?? throw new ArgumentException($"ElementReader: unknown element type {elementType}.", nameof(elementType));
        if (start < 0 || count < 0 || start > array.Length - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"ElementReader: elements [{start}, {(long)start + count}) lie outside an array of {array.Length}.");
        if (size == dtype.SizeOf() && elementType != "uint64")
        {
            var bytes = HostTensors.BytesOf(array).Slice(checked(start * size), checked(count * size));
            stream.ReadExactly(bytes);
            Validate(bytes, elementType, 0, what);
            return;
        }
        // A small tensor rents a small buffer: the pool may have to allocate it, and a loader's
        // allocation should stay proportional to the file it reads.
        const int Chunk = 1 << 16;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, Math.Min(Chunk, count)) * size);
        try
        {
            for (int done = 0; done < count; done += Chunk)
            {
                int n = Math.Min(Chunk, count - done);
                var span = buffer.AsSpan(0, n * size);
                stream.ReadExactly(span);
                Convert(span, elementType, array, start + done, n, done, what);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True for the element types some byte patterns of which are invalid (bool, uint64): the only ones <see cref="Check"/> must read when the length is known.</summary>
    public static bool HasInvalidValues(string elementType) => elementType is "bool" or "uint64";

    /// <summary>
    /// Reads <paramref name="count"/> elements of <paramref name="elementType"/> from <paramref name="stream"/>
    /// and checks them as <see cref="Read"/> would, without keeping them: the stream must hold them all, a
    /// bool must be 0 or 1 and a uint64 at most <see cref="long.MaxValue"/>. Allocates nothing but a pooled buffer.
    /// </summary>
    /// <exception cref="InvalidDataException">A bool element is neither 0 nor 1.</exception>
    /// <exception cref="NotSupportedException">A uint64 element exceeds <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ends early.</exception>
    public static void Check(Stream stream, string elementType, long count, string what)
    {
        var (size, _) = Describe(elementType) ?? throw new ArgumentException($"ElementReader: unknown element type {elementType}.", nameof(elementType));
        const int Chunk = 1 << 16;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, Math.Min(Chunk, count)) * size);
        try
        {
            for (long start = 0; start < count; start += Chunk)
            {
                int n = (int)Math.Min(Chunk, count - start);
                var span = buffer.AsSpan(0, n * size);
                stream.ReadExactly(span);
                Validate(span, elementType, start, what);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Refuses a bool byte other than 0 and 1 and a uint64 above int64's range; <paramref name="first"/> is the index of the span's first element.</summary>
    private static void Validate(ReadOnlySpan<byte> bytes, string elementType, long first, string what)
    {
        if (elementType == "bool")
        {
            int bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
            if (bad >= 0) throw new InvalidDataException($"{what}: bool element {first + bad} holds the byte {bytes[bad]}; expected 0 or 1.");
        }
        else if (elementType == "uint64")
        {
            for (int i = 0; i + 8 <= bytes.Length; i += 8)
            {
                ulong v = BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]);
                if (v > long.MaxValue) throw OpErrors.NotSupported("ElementReader", $"{what}: uint64 element {first + i / 8} is {v}, more than int64 (Avalon's widest integer) holds.");
            }
        }
    }

    /// <summary>Converts <paramref name="n"/> elements into <paramref name="array"/> from <paramref name="start"/>; <paramref name="first"/> is the index of the first one in the tensor, for messages.</summary>
    private static void Convert(ReadOnlySpan<byte> source, string elementType, Array array, int start, int n, int first, string what)
    {
        switch (elementType)
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
            case "uint16":
            {
                var target = ((int[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]);
                break;
            }
            case "int8":
            {
                var target = ((int[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = (sbyte)source[i];
                break;
            }
            case "uint8":
            {
                var target = ((int[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = source[i];
                break;
            }
            case "uint32":
            {
                var target = ((long[])array).AsSpan(start, n);
                for (int i = 0; i < n; i++) target[i] = BinaryPrimitives.ReadUInt32LittleEndian(source[(4 * i)..]);
                break;
            }
            case "uint64":
            {
                var target = ((long[])array).AsSpan(start, n);
                Validate(source, elementType, first, what);
                for (int i = 0; i < n; i++) target[i] = (long)BinaryPrimitives.ReadUInt64LittleEndian(source[(8 * i)..]);
                break;
            }
            default:
                throw new InvalidOperationException($"ElementReader: no conversion for {elementType}.");
        }
    }
}
