namespace Avalon.Backends;

/// <summary>
/// Device services every backend provides: allocation, host transfer and layout copies. Computation is
/// dispatched per primitive through <see cref="Avalon.Primitives.Primitive.RegisterKernel"/>, so a new
/// device adds kernels without touching the primitives.
/// </summary>
internal interface IBackend
{
    /// <summary>The device this backend computes on.</summary>
    Device Device { get; }

    /// <summary>Allocates a storage of <paramref name="length"/> zeroed elements.</summary>
    Storage Allocate(DType dtype, int length);

    /// <summary>Wraps or copies host data into a storage on this device.</summary>
    Storage FromHost(Array data, DType dtype);

    /// <summary>Copies the elements of a (possibly strided) tensor into a new dense row-major host array.</summary>
    Array ToHost(Tensor tensor);

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/> elementwise (same shape and dtype, any strides).</summary>
    void Copy(Tensor src, Tensor dst);

    /// <summary>Fills every element of <paramref name="dst"/> (any strides) with <paramref name="value"/>.</summary>
    void Fill(Tensor dst, double value);

    /// <summary>Copies <paramref name="src"/> into a new dense tensor of dtype <paramref name="dtype"/>, converting values.</summary>
    Tensor Cast(Tensor src, DType dtype);
}
