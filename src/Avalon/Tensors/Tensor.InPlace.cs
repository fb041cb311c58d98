namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Overwrites this tensor's elements with those of <paramref name="src"/> (same shape and dtype),
    /// keeping this tensor's identity and storage. Records nothing: no tape or autograd graph sees it.
    /// </summary>
    internal void CopyFrom_(Tensor src)
    {
        if (src.Shape != Shape || src.DType != DType)
            throw new ArgumentException(
                $"copy_: expected a source of {DType.Name()}{Shape}, got {src.DType.Name()}{src.Shape}.");
        if (src.Device != Device)
            throw new ArgumentException($"copy_: the source is on {src.Device} but the destination is on {Device}.");
        if (ReferenceEquals(src.Storage, Storage) && src.Offset == Offset && src._strides.AsSpan().SequenceEqual(_strides)) return;
        Storage.Backend.Copy(src, this);
    }

    /// <summary>Sets every element to <paramref name="value"/> in place, recording nothing.</summary>
    internal void Fill_(double value) => Storage.Backend.Fill(this, value);
}
