using System.Numerics;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Where a convolution writes its output when no full-size output is kept: a buffer per thread for one
/// (sample, group) slice, handed back as soon as the slice (or a block of its output channels) is written.
/// The consumer reads it while it is still in cache; see <see cref="ConvolutionForward"/>.
/// </summary>
/// <remarks>Calls come from the convolution's worker threads concurrently, each with its own buffer.</remarks>
internal abstract unsafe class ConvolutionSliceSink<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// The calling thread's buffer for at least <paramref name="elements"/> values (one slice, [Cout/groups, positions]);
    /// it must stay at a fixed address until <see cref="Written"/> returns.
    /// </summary>
    public abstract T* Buffer(int elements);

    /// <summary>
    /// Output channels [<paramref name="coStart"/>, <paramref name="coEnd"/>) of slice <paramref name="item"/>
    /// (sample · groups + group) are in <paramref name="slice"/>, at their offsets in the slice, bias included.
    /// </summary>
    public abstract void Written(int item, int coStart, int coEnd, T* slice);
}
