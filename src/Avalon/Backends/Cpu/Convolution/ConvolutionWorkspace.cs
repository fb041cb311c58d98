using System.Runtime.InteropServices;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// One thread's scratch buffers for the convolution kernels (column matrices, gathered gradients,
/// padded inputs, partial weight gradients): 64-byte aligned native memory that grows to the largest
/// size asked for and is then reused, so that steady-state calls allocate nothing on the managed heap.
/// Separate from the GEMM's own workspace, whose buffers a GEMM overwrites while these are in use.
/// The finalizer frees the memory once the owning thread has ended and the object is collected.
/// </summary>
internal sealed unsafe class ConvolutionWorkspace
{
    private const nuint Alignment = 64;

    [ThreadStatic]
    private static ConvolutionWorkspace? t_current;

    private readonly byte*[] _buffers = new byte*[Enum.GetValues<ConvolutionScratch>().Length];
    private readonly nuint[] _sizes = new nuint[Enum.GetValues<ConvolutionScratch>().Length];

    /// <summary>The calling thread's workspace.</summary>
    public static ConvolutionWorkspace Current => t_current ??= new ConvolutionWorkspace();

    /// <summary>
    /// Buffer <paramref name="slot"/> with room for at least <paramref name="elements"/> values of
    /// <typeparamref name="T"/> (contents undefined); valid until the next request for the same slot on this thread.
    /// </summary>
    public T* Get<T>(ConvolutionScratch slot, long elements) where T : unmanaged
    {
        nuint bytes = checked((nuint)Math.Max(1L, elements) * (nuint)sizeof(T));
        int i = (int)slot;
        if (bytes > _sizes[i])
        {
            NativeMemory.AlignedFree(_buffers[i]);
            _buffers[i] = null;
            _sizes[i] = 0;
            _buffers[i] = (byte*)NativeMemory.AlignedAlloc(bytes, Alignment);
            _sizes[i] = bytes;
        }

        return (T*)_buffers[i];
    }

    ~ConvolutionWorkspace()
    {
        foreach (byte* buffer in _buffers) NativeMemory.AlignedFree(buffer);
    }
}

/// <summary>The scratch buffers of <see cref="ConvolutionWorkspace"/>; one kernel step uses each for one purpose.</summary>
internal enum ConvolutionScratch
{
    /// <summary>A column matrix (vol2col output or col2vol input).</summary>
    Columns,

    /// <summary>Output gradients of several samples gathered side by side.</summary>
    Gathered,

    /// <summary>A zero-padded input sample (direct convolution).</summary>
    Padded,

    /// <summary>Output rows with padding columns (direct convolution).</summary>
    Rows,

    /// <summary>Partial weight gradients of a wave of chunks (the calling thread's).</summary>
    Partials,

    /// <summary>The tap offsets of a direct convolution kernel (int).</summary>
    Offsets,

    /// <summary>A rearranged copy of the weight (the flipped, transposed weight of the direct input gradient).</summary>
    Weight,

    /// <summary>The weight as [tap, channel] rows for the forward along channels (the calling thread's).</summary>
    LaneWeight,

    /// <summary>Vector accumulators of a weight gradient kept between samples (the kernel along positions).</summary>
    Accumulators,

    /// <summary>The Winograd-transformed weight of a call (the calling thread's).</summary>
    WinogradWeight,

    /// <summary>A sample's channels-last zero-padded input (Winograd).</summary>
    WinogradInput,

    /// <summary>A sample's channels-last input before padding (Winograd).</summary>
    WinogradPlane,

    /// <summary>A block of transformed input tiles (Winograd).</summary>
    WinogradTiles,

    /// <summary>A block of tiles' products in the transformed domain (Winograd).</summary>
    WinogradProducts,

    /// <summary>A sample's channels-last output and the bias lanes (Winograd).</summary>
    WinogradOutput,

    /// <summary>A sample's channels-last output gradient cut to whole tiles (Winograd weight gradient).</summary>
    WinogradGradient,

    /// <summary>A block of transformed output-gradient tiles (Winograd weight gradient).</summary>
    WinogradGradientTiles,
}
