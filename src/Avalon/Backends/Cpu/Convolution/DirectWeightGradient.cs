using System.Numerics;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The weight gradient of a stride-1, undilated convolution without a column matrix, for one chunk of
/// samples and one group: gradWeight[co, t] = Σ over the chunk's samples and output positions of
/// gradOutput[co, p] · input[p shifted by tap t], on the padded planes of <see cref="DirectPlaneLayout"/>.
/// Two kernels: <see cref="WeightGradientPositionLanes"/> (vectors along positions) for layers of few taps,
/// <see cref="WeightGradientChannelLanes"/> (vectors along output channels) for the rest.
/// </summary>
/// <remarks>
/// <para>Which kernel, and whether either, is measured (one thread, AVX-512, batch 100 or 8, against
/// vol2col + GEMM, best of 50): along positions, 1→16 3×3 on 28², 1→20 5×5 on 28² and 3→32 3×3 on 64²
/// are 2.9×, 2.2× and 2.3× faster (along channels, 4.8×, 2.2× and 2.3× — but a single vector of channels is
/// load-bound and along positions is faster still); along channels, 16→32 and 32→32 3×3 on 14² and 7² are
/// 1.8× and 2.6× faster, 20→50 5×5 on 12² 1.2×, 64→64 on 56² 1.2×, 128→128 on 28² equal, but 256→256 on 14²
/// 0.75× and 512→512 on 7² 0.5×: a chunk of such a layer holds one sample's few positions, so each block
/// of accumulators does little arithmetic before it is written out. Hence the rule: along positions for at
/// most <see cref="FewTaps"/> taps with padded rows at most 4/3 as wide as the output's (its extra columns
/// are work), along channels when a chunk holds at least <see cref="MinChunkPositions"/> output positions.
/// With 256-bit vectors only (AVX2, half the lanes and registers), measured on one thread of a Zen 3 core
/// (best of 40, A/B in one process) since both kernels take a chunk's samples one at a time: along positions
/// 1→16 3×3 on 28² 2.6×, 1→20 5×5 on 28² 1.8× and 3→32 3×3 on 64² 1.3× faster than vol2col + GEMM (before,
/// when every block walked the whole chunk, 1.5×, 0.8× and 0.6×), so it takes the same taps; along channels
/// 16→32 on 14², 32→32 on 7² and 20→50 on 12² 1.2×, 1.8× and 1.2×, but earlier measurements had 64→64 on
/// 56² and 128→128 on 28² at 0.9× and 0.8×, so it keeps to planes of at most <see cref="MaxPlane256"/>.</para>
/// <para>Each gradient element is a sum in a fixed order over the chunk, so with chunks fixed by the
/// geometry the result does not depend on the thread count.</para>
/// </remarks>
internal static unsafe class DirectWeightGradient
{
    /// <summary>Upper bound, in bytes, on one chunk's padded inputs and output gradients.</summary>
    private const long ChunkBudgetBytes = 512 * 1024;

    /// <summary>Most taps (input channels per group × kernel area) for the kernel along positions.</summary>
    public const int FewTaps = 32;

    /// <summary>Largest output plane for the kernel along channels with 256-bit vectors.</summary>
    public const int MaxPlane256 = 256;

    /// <summary>Fewest output positions in a chunk (samples × plane) for the kernel along channels.</summary>
    public const int MinChunkPositions = 512;

    /// <summary>Which kernel computes a geometry's weight gradient.</summary>
    public enum Kernel
    {
        /// <summary>Neither: vol2col + GEMM.</summary>
        None,

        /// <summary><see cref="WeightGradientPositionLanes"/>.</summary>
        PositionLanes,

        /// <summary><see cref="WeightGradientChannelLanes"/>.</summary>
        ChannelLanes,
    }

    /// <summary>The kernel for <paramref name="g"/> when its chunks hold <paramref name="chunkSamples"/> samples.</summary>
    public static Kernel Choose<T>(in ConvGeometry g, int chunkSamples) where T : unmanaged
    {
        if (g.IsTransposed || !DirectConvolution.Applies<T>(g)) return Kernel.None;
        bool wide = GemmMicroKernel512<float>.IsSupported;
        if (g.ColumnRows <= FewTaps)
            return 3L * (g.InputWidth + 2L * g.PadWidth) <= 4L * g.OutputWidth ? Kernel.PositionLanes : Kernel.None;
        if (g.ColumnRows <= FewTaps) return Kernel.None;
        return (long)chunkSamples * g.OutputPlane >= MinChunkPositions && (wide || g.OutputPlane <= MaxPlane256)
            ? Kernel.ChannelLanes : Kernel.None;
    }

    /// <summary>Samples per chunk: as many as fit the budget (at least 1), at most <paramref name="maxSamples"/>.</summary>
    public static int ChunkSamples<T>(in ConvGeometry g, int maxSamples) where T : unmanaged
    {
        var layout = new DirectPlaneLayout(g, 16);
        long gradient = Math.Max((long)g.OutChannelsPerGroup * layout.Rounded, (long)g.OutputPlane * ((g.OutChannelsPerGroup + 15) / 16 * 16));
        long perSample = (layout.PaddedLength + gradient) * sizeof(T);
        return (int)Math.Clamp(ChunkBudgetBytes / Math.Max(1, perSample), 1, Math.Max(1, maxSamples));
    }

    /// <summary>
    /// gw[coutG, taps] (one group's slice, overwritten) from the <paramref name="count"/> samples at
    /// <paramref name="x"/> and <paramref name="gy"/>, consecutive samples <paramref name="inSample"/> and
    /// <paramref name="outSample"/> elements apart, by <paramref name="kernel"/> (not <see cref="Kernel.None"/>).
    /// </summary>
    public static void Run<T>(Kernel kernel, in ConvGeometry g, T* x, long inSample, T* gy, long outSample, int count, T* gw) where T : unmanaged
    {
        bool positions = kernel == Kernel.PositionLanes;
        if (typeof(T) == typeof(float))
        {
            if (GemmMicroKernel512<float>.IsSupported)
            {
                if (positions) WeightGradientPositionLanes.Run<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)x, inSample, (float*)gy, outSample, count, (float*)gw, 4);
                else WeightGradientChannelLanes.Run<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)x, inSample, (float*)gy, outSample, count, (float*)gw, twoVectors: true);
            }
            else if (positions) WeightGradientPositionLanes.Run<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)x, inSample, (float*)gy, outSample, count, (float*)gw, 2);
            else WeightGradientChannelLanes.Run<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)x, inSample, (float*)gy, outSample, count, (float*)gw, twoVectors: false);
        }
        else if (typeof(T) == typeof(double))
        {
            if (GemmMicroKernel512<double>.IsSupported)
            {
                if (positions) WeightGradientPositionLanes.Run<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)x, inSample, (double*)gy, outSample, count, (double*)gw, 4);
                else WeightGradientChannelLanes.Run<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)x, inSample, (double*)gy, outSample, count, (double*)gw, twoVectors: true);
            }
            else if (positions) WeightGradientPositionLanes.Run<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)x, inSample, (double*)gy, outSample, count, (double*)gw, 2);
            else WeightGradientChannelLanes.Run<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)x, inSample, (double*)gy, outSample, count, (double*)gw, twoVectors: false);
        }
        else
            throw OpErrors.NotSupported("conv", $"the direct weight gradient has no {typeof(T).Name} instance; expected float or double.");
    }
}
