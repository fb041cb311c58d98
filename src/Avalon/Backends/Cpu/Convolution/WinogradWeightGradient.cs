using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;
using static Avalon.Backends.Cpu.Convolution.WinogradConvolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The weight gradient of the layers <see cref="WinogradConvolution"/> takes, by Winograd's F(3×3, 4×4): each 3×3
/// gradient is a correlation of the input with the output gradient, so a 4×4 block of the output gradient (the
/// "filter") and the 6×6 input tile under it meet in 36 products per channel pair instead of 144:
/// ∂w[co][ci] = Aᵀ [ Σ_tiles (G ∂y G ᵀ)[co] ⊙ (Bᵀ x B)[ci] ] A, with the forward's points and its input transform,
/// G's rows (1/4)[1 0 0 0], (−1/6)[1 1 1 1], (−1/6)[1 −1 1 −1], [1/24 1/12 1/6 1/3], [1/24 −1/12 1/6 −1/3], [0 0 0 1],
/// and Aᵀ's [1 1 1 1 1 0], [0 1 −1 2 −2 0], [0 1 1 4 4 1].
/// </summary>
/// <remarks>
/// One call computes a chunk of samples for one group (see <see cref="ConvolutionBackwardWeight"/>, whose chunks
/// do not depend on the thread count). The tiles of its samples are transformed in blocks, and each block adds
/// to the 36 sums M[ξ][co][ci] = Σ_tiles ∂Y[ξ][tile][co] · X[ξ][tile][ci] with the forward's register block
/// (six output channels × two vectors of input channels, the tiles the inner dimension); the sums are
/// transformed back once per chunk.
/// </remarks>
internal static unsafe class WinogradWeightGradient
{
    /// <summary>Whether the weight gradient of <paramref name="g"/> takes this kernel: wherever the forward's Winograd kernel applies.</summary>
    public static bool Applies<T>(in ConvGeometry g) where T : unmanaged => WinogradConvolution.Applies<T>(g);

    /// <summary>
    /// gw[coutG, cinG, 3, 3] = Σ over <paramref name="count"/> samples of the group's correlation of x (samples
    /// <paramref name="inSample"/> apart) with gy (<paramref name="outSample"/> apart); gw is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, T* x, long inSample, T* gy, long outSample, int count, T* gw) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            if (GemmMicroKernel512<float>.IsSupported)
                Run<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)x, inSample, (float*)gy, outSample, count, (float*)gw);
            else
                Run<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)x, inSample, (float*)gy, outSample, count, (float*)gw);
        }
        else if (typeof(T) == typeof(double))
        {
            if (GemmMicroKernel512<double>.IsSupported)
                Run<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)x, inSample, (double*)gy, outSample, count, (double*)gw);
            else
                Run<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)x, inSample, (double*)gy, outSample, count, (double*)gw);
        }
        else
            throw OpErrors.NotSupported("conv_backward_weight", $"the Winograd kernel has no {typeof(T).Name} instance; expected float or double.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T, TVector, TOps>(in ConvGeometry g, T* x, long inSample, T* gy, long outSample, int count, T* gw)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, cin = g.InChannelsPerGroup, cout = g.OutChannelsPerGroup;
        var layout = new TileLayout(g, v);
        int cinV = layout.InLanes, coutV = layout.OutLanes, tiles = layout.Tiles, tiledWidth = OutTile * layout.TilesWide;
        int block = Math.Max(2, BlockElements / (Points * Math.Max(cinV, coutV)));

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.WinogradInput, layout.PaddedLength);
        T* inputPlane = ws.Get<T>(ConvolutionScratch.WinogradPlane, layout.InputLength);
        T* tiled = ws.Get<T>(ConvolutionScratch.WinogradGradient, layout.GradientLength);
        T* gradientPlane = ws.Get<T>(ConvolutionScratch.WinogradOutput, (long)g.OutputPlane * coutV);
        T* inputTiles = ws.Get<T>(ConvolutionScratch.WinogradTiles, (long)block * Points * cinV);
        T* gradientTiles = ws.Get<T>(ConvolutionScratch.WinogradGradientTiles, (long)block * Points * coutV);
        T* sums = ws.Get<T>(ConvolutionScratch.WinogradProducts, (long)Points * coutV * cinV);
        T* scratch = stackalloc T[Points * TOps.Count];
        new Span<T>(sums, Points * coutV * cinV).Clear();

        int filled = 0;
        for (int s = 0; s < count; s++)
        {
            layout.Pad(g, x + s * inSample, inputPlane, padded);
            layout.PadGradient(g, gy + s * outSample, gradientPlane, tiled);
            for (int t = 0; t < tiles; t++)
            {
                int ty = t / layout.TilesWide, tx = t % layout.TilesWide;
                T* origin = padded + ((long)OutTile * ty * layout.PaddedWidth + OutTile * tx) * cinV;
                for (int c = 0; c < cinV; c += v)
                    TransformInput<T, TVector, TOps>(origin + c, (long)layout.PaddedWidth * cinV, cinV, scratch, inputTiles + (long)filled * Points * cinV + c, cinV);
                T* tile = tiled + ((long)OutTile * ty * tiledWidth + OutTile * tx) * coutV;
                for (int c = 0; c < coutV; c += v)
                    TransformGradient<T, TVector, TOps>(tile + c, (long)tiledWidth * coutV, coutV, scratch, gradientTiles + (long)filled * Points * coutV + c, coutV);
                if (++filled == block)
                {
                    Accumulate<T, TVector, TOps>(gradientTiles, inputTiles, sums, filled, cout, cinV, coutV);
                    filled = 0;
                }
            }
        }
        if (filled > 0) Accumulate<T, TVector, TOps>(gradientTiles, inputTiles, sums, filled, cout, cinV, coutV);

        // Back from the 36 points to the 3×3 taps, one vector of input channels at a time.
        T* taps = stackalloc T[9 * TOps.Count];
        for (int co = 0; co < cout; co++)
        for (int c = 0; c < cinV; c += v)
        {
            TransformBack<T, TVector, TOps>(sums + (long)co * cinV + c, (long)coutV * cinV, scratch, taps);
            for (int lane = 0; lane < v && c + lane < cin; lane++)
            {
                T* target = gw + ((long)co * cin + c + lane) * 9;
                for (int k = 0; k < 9; k++) target[k] = taps[k * v + lane];
            }
        }
    }

    /// <summary>sums[ξ][co][ci] += Σ over <paramref name="tiles"/> tiles of gradientTiles[tile][ξ][co] · inputTiles[tile][ξ][ci], for every point.</summary>
    private static void Accumulate<T, TVector, TOps>(T* gradientTiles, T* inputTiles, T* sums, int tiles, int cout, int cinV, int coutV)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        // Rows past Cout (an odd last one) read zero lanes of the gradient and are never transformed back.
        int rows = RoundUp(cout, 2);
        for (int p = 0; p < Points; p++)
            Products<T, TVector, TOps>(gradientTiles + (long)p * coutV, 1, (nint)Points * coutV, inputTiles + (long)p * cinV, Points * cinV,
                sums + (long)p * coutV * cinV, cinV, tiles, rows, cinV, accumulate: true);
    }

    /// <summary>
    /// G ∂y Gᵀ for one 4×4 tile of the output gradient and one vector of channels: ∂y[i][j] at <paramref name="d"/> +
    /// i·<paramref name="rowStride"/> + j·<paramref name="columnStride"/>; point ξ = 6i + j goes to <paramref name="target"/> + ξ·<paramref name="pointStride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformGradient<T, TVector, TOps>(T* d, long rowStride, int columnStride, T* scratch, T* target, long pointStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int n = TOps.Count;
        // Down each of the four columns (G ∂y) into a 6×4 scratch, then along each of its six rows (· Gᵀ).
        for (int j = 0; j < OutTile; j++)
        {
            T* c = d + (long)j * columnStride;
            Interpolate4<T, TVector, TOps>(TOps.Load(c), TOps.Load(c + rowStride), TOps.Load(c + 2 * rowStride), TOps.Load(c + 3 * rowStride),
                out TVector r0, out TVector r1, out TVector r2, out TVector r3, out TVector r4, out TVector r5);
            StoreSix<T, TVector, TOps>(scratch + j * n, OutTile * n, r0, r1, r2, r3, r4, r5);
        }
        for (int i = 0; i < InTile; i++)
        {
            T* r = scratch + i * OutTile * n;
            Interpolate4<T, TVector, TOps>(TOps.Load(r), TOps.Load(r + n), TOps.Load(r + 2 * n), TOps.Load(r + 3 * n),
                out TVector v0, out TVector v1, out TVector v2, out TVector v3, out TVector v4, out TVector v5);
            T* o = target + i * InTile * pointStride;
            StoreSix<T, TVector, TOps>(o, pointStride, v0, v1, v2, v3, v4, v5);
        }
    }

    /// <summary>G (6×4) applied to four vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interpolate4<T, TVector, TOps>(TVector g0, TVector g1, TVector g2, TVector g3,
        out TVector r0, out TVector r1, out TVector r2, out TVector r3, out TVector r4, out TVector r5)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        TVector quarter = TOps.Broadcast(T.CreateTruncating(0.25)), minusSixth = TOps.Broadcast(T.CreateTruncating(-1.0 / 6)),
            sixth = TOps.Broadcast(T.CreateTruncating(1.0 / 6)), third = TOps.Broadcast(T.CreateTruncating(1.0 / 3)),
            twelfth = TOps.Broadcast(T.CreateTruncating(1.0 / 12)), twentyFourth = TOps.Broadcast(T.CreateTruncating(1.0 / 24));
        TVector even = TOps.Add(g0, g2), odd = TOps.Add(g1, g3);
        r0 = TOps.Multiply(g0, quarter);
        r1 = TOps.Multiply(TOps.Add(even, odd), minusSixth);
        r2 = TOps.Multiply(TOps.Subtract(even, odd), minusSixth);
        TVector evenScaled = TOps.MulAdd(g0, twentyFourth, TOps.Multiply(g2, sixth)), oddScaled = TOps.MulAdd(g1, twelfth, TOps.Multiply(g3, third));
        r3 = TOps.Add(evenScaled, oddScaled);
        r4 = TOps.Subtract(evenScaled, oddScaled);
        r5 = g3;
    }

    /// <summary>
    /// Aᵀ m A (6×6 → 3×3) for one vector of channels: m[ξ] at <paramref name="m"/> + ξ·<paramref name="pointStride"/>; tap
    /// k = 3a + b goes to <paramref name="taps"/> + k·Count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformBack<T, TVector, TOps>(T* m, long pointStride, T* scratch, T* taps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int n = TOps.Count;
        long step = InTile * pointStride;
        for (int j = 0; j < InTile; j++)
        {
            T* c = m + j * pointStride;
            Reduce3<T, TVector, TOps>(TOps.Load(c), TOps.Load(c + step), TOps.Load(c + 2 * step), TOps.Load(c + 3 * step),
                TOps.Load(c + 4 * step), TOps.Load(c + 5 * step), out TVector o0, out TVector o1, out TVector o2);
            TOps.Store(o0, scratch + (0 * InTile + j) * n);
            TOps.Store(o1, scratch + (1 * InTile + j) * n);
            TOps.Store(o2, scratch + (2 * InTile + j) * n);
        }
        for (int a = 0; a < 3; a++)
        {
            T* r = scratch + a * InTile * n;
            Reduce3<T, TVector, TOps>(TOps.Load(r), TOps.Load(r + n), TOps.Load(r + 2 * n), TOps.Load(r + 3 * n), TOps.Load(r + 4 * n), TOps.Load(r + 5 * n),
                out TVector o0, out TVector o1, out TVector o2);
            TOps.Store(o0, taps + (3 * a) * n);
            TOps.Store(o1, taps + (3 * a + 1) * n);
            TOps.Store(o2, taps + (3 * a + 2) * n);
        }
    }

    /// <summary>Aᵀ (3×6) applied to six vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce3<T, TVector, TOps>(TVector m0, TVector m1, TVector m2, TVector m3, TVector m4, TVector m5,
        out TVector o0, out TVector o1, out TVector o2)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        TVector two = TOps.Broadcast(T.CreateTruncating(2)), four = TOps.Broadcast(T.CreateTruncating(4));
        TVector sum12 = TOps.Add(m1, m2), difference12 = TOps.Subtract(m1, m2), sum34 = TOps.Add(m3, m4), difference34 = TOps.Subtract(m3, m4);
        o0 = TOps.Add(TOps.Add(m0, sum12), sum34);
        o1 = TOps.MulAdd(two, difference34, difference12);
        o2 = TOps.Add(TOps.MulAdd(four, sum34, sum12), m5);
    }
}
