using System.Runtime.InteropServices;
using Avalon.Backends;

namespace Avalon.Data;

/// <summary>
/// Moves data between managed arrays and CPU tensors without recording anything on a tape: the
/// loaders, transforms, metrics and file formats work on plain arrays and only wrap the result.
/// </summary>
internal static class HostTensors
{
    /// <summary>A CPU tensor that takes ownership of <paramref name="data"/> (no copy).</summary>
    public static Tensor Wrap(Array data, DType dtype, int[] shape) =>
        new(Backend.For(Device.Cpu).FromHost(data, dtype), shape);

    /// <summary>A CPU tensor that takes ownership of <paramref name="data"/> (no copy).</summary>
    public static Tensor Wrap<T>(T[] data, params int[] shape) where T : unmanaged =>
        Wrap(data, DTypeInfo.Of<T>(), shape);

    /// <summary>The elements of <paramref name="tensor"/> in row-major order (a host copy, through the tensor's backend).</summary>
    public static ReadOnlySpan<T> Elements<T>(Tensor tensor) where T : unmanaged
    {
        if (DTypeInfo.Of<T>() != tensor.DType)
            throw new InvalidOperationException($"HostTensors.Elements<{typeof(T).Name}>: the tensor is {tensor.DType.Name()}{tensor.Shape}.");
        return (T[])tensor.Storage.Backend.ToHost(tensor);
    }

    /// <summary>The elements of <paramref name="tensor"/> as raw bytes in row-major order (machine byte order).</summary>
    public static ReadOnlySpan<byte> Bytes(Tensor tensor) => tensor.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(Elements<float>(tensor)),
        DType.Float64 => MemoryMarshal.AsBytes(Elements<double>(tensor)),
        DType.Int32 => MemoryMarshal.AsBytes(Elements<int>(tensor)),
        DType.Int64 => MemoryMarshal.AsBytes(Elements<long>(tensor)),
        DType.Bool => MemoryMarshal.AsBytes(Elements<bool>(tensor)),
        _ => throw OpErrors.NotSupported("HostTensors.Bytes", $"dtype {tensor.DType.Name()} is not supported."),
    };

    /// <summary>A zeroed managed array for <paramref name="length"/> elements of <paramref name="dtype"/>.</summary>
    public static Array NewArray(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        DType.Int32 => new int[length],
        DType.Int64 => new long[length],
        DType.Bool => new bool[length],
        _ => throw OpErrors.NotSupported("HostTensors.NewArray", $"dtype {dtype.Name()} is not supported."),
    };

    /// <summary>The bytes of a managed array created by <see cref="NewArray"/>.</summary>
    public static Span<byte> BytesOf(Array array) => array switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw OpErrors.NotSupported("HostTensors.BytesOf", $"arrays of {array.GetType().GetElementType()?.Name} are not supported."),
    };
}
