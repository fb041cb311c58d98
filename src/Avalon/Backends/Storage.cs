namespace Avalon.Backends;

/// <summary>
/// A flat block of elements on one device, owned by a backend. Tensors are views (shape, strides,
/// offset) over a storage; several tensors may share one. A backend derives its own storage type and
/// builds tensors over it with <see cref="Tensor.OverStorage"/>.
/// </summary>
public abstract class Storage
{
    /// <summary>Creates a storage of <paramref name="length"/> elements of <paramref name="dtype"/>.</summary>
    protected Storage(DType dtype, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        DType = dtype;
        Length = length;
    }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The device holding the elements.</summary>
    public abstract Device Device { get; }

    /// <summary>The backend that owns this storage.</summary>
    public abstract IBackend Backend { get; }

    /// <summary>
    /// How many times the elements were changed in place by a recorded operation (PyTorch's version
    /// counter): a derivative rule that needs a tensor checks that it was not modified since it was saved.
    /// </summary>
    public int Version { get; private set; }

    /// <summary>
    /// Writes one int64 element without allocating, when the storage can (host memory): how a compiled
    /// tape draws a random seed into a tensor it holds. False when this storage cannot.
    /// </summary>
    internal virtual bool TryWriteInt64(int index, long value) => false;

    /// <summary>
    /// Writes one float64 element without allocating, when the storage can (host memory): how a compiled
    /// training step writes its learning rate and step counts into the tensors its tape reads. False
    /// when this storage cannot.
    /// </summary>
    internal virtual bool TryWriteFloat64(int index, double value) => false;

    /// <summary>Counts one in-place change of the elements.</summary>
    internal void BumpVersion() => Version++;
}
