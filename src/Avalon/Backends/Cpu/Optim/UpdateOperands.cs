namespace Avalon.Backends.Cpu.Optim;

/// <summary>The checks and element access every optimiser-update kernel shares.</summary>
internal static class UpdateOperands
{
    /// <summary>
    /// The elements of a tensor the update writes in place (the parameter or a state tensor), which must
    /// be dense: the update cannot write through a strided view.
    /// </summary>
    public static Span<T> Written<T>(string op, string name, Tensor tensor) where T : unmanaged
    {
        if (!tensor.IsContiguous)
            throw OpErrors.State(
                op, $"{name} of shape {tensor.Shape} with strides [{string.Join(", ", tensor.Strides)}] is not contiguous; the update writes in place and needs dense tensors.");
        return tensor.ContiguousSpan<T>();
    }

    /// <summary>The elements of the gradient in row-major order (a dense copy when it is strided).</summary>
    public static ReadOnlySpan<T> Read<T>(Tensor tensor) where T : unmanaged =>
        tensor.ContiguousNoGrad().ContiguousSpan<T>();

    /// <summary>The value of a 0-d float64 input (a step count).</summary>
    public static double Scalar(Tensor tensor) => tensor.CpuSpan<double>()[tensor.Offset];
}
