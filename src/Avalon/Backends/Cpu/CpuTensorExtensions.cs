namespace Avalon.Backends.Cpu;

/// <summary>Access to the elements of CPU tensors, for the CPU backend's kernels only.</summary>
internal static class CpuTensorExtensions
{
    /// <summary>The CPU storage as a span of <typeparamref name="T"/> (whole storage; index with offset and strides).</summary>
    public static Span<T> CpuSpan<T>(this Tensor tensor) where T : unmanaged
    {
        if (tensor.Storage is not CpuStorage cpu)
            throw new InvalidOperationException($"Expected a CPU tensor but it is on {tensor.Device}. Move it with .To(Device.Cpu).");
        if (DTypeInfo.Of<T>() != tensor.DType)
            throw new InvalidOperationException($"Expected a {DTypeInfo.Of<T>().Name()} tensor but it is {tensor.DType.Name()}.");
        return cpu.Span<T>();
    }

    /// <summary>The elements of a contiguous CPU tensor as a span (exactly <see cref="Tensor.Numel"/> long).</summary>
    public static Span<T> ContiguousSpan<T>(this Tensor tensor) where T : unmanaged
    {
        if (!tensor.IsContiguous) throw new InvalidOperationException("ContiguousSpan requires a contiguous tensor.");
        return tensor.CpuSpan<T>().Slice(tensor.Offset, tensor.Numel);
    }
}
