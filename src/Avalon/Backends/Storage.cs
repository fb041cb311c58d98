namespace Avalon.Backends;

/// <summary>
/// A flat block of elements on one device. Tensors are views (shape, strides, offset) over a storage;
/// several tensors may share one.
/// </summary>
internal abstract class Storage
{
    protected Storage(DType dtype, int length)
    {
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
}
