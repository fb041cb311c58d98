using System.Buffers;

namespace Avalon.Backends.Cpu.Optim;

/// <summary>
/// A temporary span of <typeparamref name="T"/> rented from the shared array pool, for the
/// intermediate results of an update (<c>using var tmp = new ScratchBuffer&lt;float&gt;(n);</c>).
/// </summary>
internal ref struct ScratchBuffer<T> where T : unmanaged
{
    private T[]? _array;

    /// <summary>Rents a buffer of at least <paramref name="length"/> elements.</summary>
    public ScratchBuffer(int length)
    {
        _array = ArrayPool<T>.Shared.Rent(length);
        Span = _array.AsSpan(0, length);
    }

    /// <summary>Exactly the requested number of elements (contents are undefined until written).</summary>
    public Span<T> Span { get; }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_array is not null) ArrayPool<T>.Shared.Return(_array);
        _array = null;
    }
}
