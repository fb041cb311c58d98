namespace Avalon.Backends;

/// <summary>
/// The device services a backend provides: allocation, host transfer and layout copies. Computation is
/// dispatched per primitive: a backend registers one <see cref="Avalon.Primitives.Kernel"/> per
/// primitive with <see cref="Avalon.Primitives.Primitive.RegisterKernel"/> (from its own code, typically
/// when it is registered with <see cref="Backend.Register"/>), so a new device adds kernels without
/// touching the primitives. A backend may live in its own assembly.
/// </summary>
public interface IBackend
{
    /// <summary>The device this backend computes on.</summary>
    Device Device { get; }

    /// <summary>Allocates a storage of <paramref name="length"/> zeroed elements.</summary>
    Storage Allocate(DType dtype, int length);

    /// <summary>
    /// Allocates a storage whose elements are unspecified, for outputs a kernel writes in full (a backend
    /// may simply zero it).
    /// </summary>
    Storage AllocateUninitialized(DType dtype, int length);

    /// <summary>Copies host data (a float[], double[], int[], long[] or bool[] matching <paramref name="dtype"/>) into a storage on this device.</summary>
    Storage FromHost(Array data, DType dtype);

    /// <summary>Copies the elements of a (possibly strided) tensor into a new dense row-major host array.</summary>
    Array ToHost(Tensor tensor);

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/> elementwise (same shape and dtype, any strides, both on this device).</summary>
    void Copy(Tensor src, Tensor dst);

    /// <summary>Fills every element of <paramref name="dst"/> (any strides) with <paramref name="value"/>.</summary>
    void Fill(Tensor dst, double value);

    /// <summary>Copies <paramref name="src"/> into a new dense tensor of dtype <paramref name="dtype"/>, converting values as PyTorch's casts do.</summary>
    Tensor Cast(Tensor src, DType dtype);
}
