using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Winograd's minimal filtering F(4×4, 3×3) for the forward of stride-1, undilated 3×3 layers with at least
/// <see cref="MinChannels"/> input and output channels per group: each 4×4 block of outputs comes from a 6×6
/// tile of the input through 36 products per (input, output) channel pair instead of 144, a quarter of the
/// multiply-adds of the direct kernel. Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A with the interpolation points
/// 0, ±1, ±2 and ∞ (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
/// </summary>
/// <remarks>
/// <para>Per call the weight is transformed once, U[ξ][ci][co] for the 36 points ξ (<see cref="TransformWeight{T}"/>),
/// in float64 and rounded once. Per (sample, group), on one thread: the input is copied channels-last into a
/// zero-padded plane; for a block of tiles each 6×6 tile is transformed with vectors along the input channels,
/// V[ξ][tile][ci]; the 36 products M[ξ] = V[ξ] · U[ξ] run with a 6-row × 2-vector register block (the GEMM
/// micro-kernel's shape: two loads and six broadcasts per twelve multiply-adds, all aligned); each tile's
/// M is transformed back with vectors along the output channels, the bias added, and the block's outputs written
/// channels-last; the sample's plane is then transposed into the NCHW output.</para>
/// <para>The sums differ from the direct kernel's in rounding (the transforms scale by up to 8 and 1/24): on
/// unit-scale data the error against a float64 convolution is a few units of 1e-6 of the outputs' scale,
/// against about 1e-7 for the direct sum; the tests bound it. <c>AVALON_CONV_WINOGRAD=0</c> switches it off for
/// the process, <see cref="Enabled"/> for the calling thread.</para>
/// </remarks>
internal static unsafe class WinogradConvolution
{
    /// <summary>Outputs per tile side.</summary>
    internal const int OutTile = 4;

    /// <summary>Inputs per tile side: the output tile plus the kernel's reach.</summary>
    internal const int InTile = 6;

    /// <summary>Points of the transformed tile (6 × 6): one product per point.</summary>
    internal const int Points = InTile * InTile;

    /// <summary>Fewest input and output channels per group: below, the transforms cost more than the products save.</summary>
    public const int MinChannels = 8;

    /// <summary>
    /// Fewest (sample, group) slices in a call for the kernel to be used: it computes each slice on one thread, so
    /// a single image stays with the direct kernel, which cuts it across threads by output channels.
    /// </summary>
    public const int MinSlices = 2;

    /// <summary>Largest channels-last padded sample, in bytes, for which the kernel is used (it should stay in the core's caches).</summary>
    public const long MaxPaddedBytes = 4 << 20;

    /// <summary>
    /// Largest transformed weight of one point (Cin × Cout per group): each block of tiles reads it once per six
    /// tiles, so it must stay in L2 (a 128→256 layer's is 128 KiB; 256→256 takes the other paths).
    /// </summary>
    public const long MaxPointWeightBytes = 128 * 1024;

    /// <summary>Elements of the transformed tiles (or products) a block of tiles may take: the block's V and M stay in L2.</summary>
    internal const int BlockElements = 48 * 1024;

    /// <summary>Tiles per register block of the products; a block of tiles is a whole number of pairs.</summary>
    private const int RowBlock = 6;

    /// <summary>Set on a thread that has switched the kernel off (see <see cref="Enabled"/>).</summary>
    [ThreadStatic]
    private static bool t_disabled;

    /// <summary>
    /// Whether a forward called on this thread takes this kernel where it applies (the default): a switch for tests,
    /// which compare it with the direct kernel, and for measuring one against the other in a process. The choice
    /// is made on the calling thread, so the setting of one thread does not reach another's calls.
    /// </summary>
    internal static bool Enabled
    {
        get => !t_disabled && !s_switchedOff;
        set => t_disabled = !value;
    }

    /// <summary>The environment variable that switches the kernel off for the process when set to 0.</summary>
    public const string SwitchVariable = "AVALON_CONV_WINOGRAD";

    /// <summary>Whether <see cref="SwitchVariable"/> is 0 or false: every 3×3 layer then takes the direct kernel, whose float32 sums round as a plain sum's.</summary>
    private static readonly bool s_switchedOff = Environment.GetEnvironmentVariable(SwitchVariable) is "0" or "false";

    /// <summary>Whether <paramref name="g"/> takes the Winograd kernel for element type <typeparamref name="T"/> on this machine.</summary>
    public static bool Applies<T>(in ConvGeometry g) where T : unmanaged =>
        Enabled && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && GemmMicroKernel256<float>.IsSupported &&
        g.SpatialRank == 2 && g.KernelHeight == 3 && g.KernelWidth == 3 &&
        g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1 &&
        g.InChannelsPerGroup >= MinChannels && g.OutChannelsPerGroup >= MinChannels &&
        g.OutputHeight >= OutTile && g.OutputWidth >= OutTile &&
        (long)g.InChannelsPerGroup * RoundUp(g.OutChannelsPerGroup, VectorCount<T>()) * sizeof(T) <= MaxPointWeightBytes &&
        new TileLayout(g, VectorCount<T>()).PaddedLength * sizeof(T) <= MaxPaddedBytes;

    /// <summary>Elements of T per vector of the kernel used on this machine.</summary>
    internal static int VectorCount<T>() where T : unmanaged =>
        (GemmMicroKernel512<float>.IsSupported ? 64 : 32) / sizeof(T);

    /// <summary>Elements of one group's transformed weight, [36][Cin/groups][Cout/groups rounded up to vectors].</summary>
    public static long WeightLengthPerGroup<T>(in ConvGeometry g) where T : unmanaged =>
        (long)Points * g.InChannelsPerGroup * RoundUp(g.OutChannelsPerGroup, VectorCount<T>());

    /// <summary>
    /// The transformed weight of every group, U = G w Gᵀ as [groups][36][Cin/groups][Cout/groups rounded up to
    /// vectors] (zero past Cout), in the calling thread's workspace: the workers only read it while the call runs.
    /// It is computed every call (a training step changes the weight), with vectors along the output channels.
    /// </summary>
    public static T* TransformWeight<T>(in ConvGeometry g, T* w) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return GemmMicroKernel512<float>.IsSupported
                ? (T*)TransformWeight<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)w)
                : (T*)TransformWeight<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)w);
        if (typeof(T) == typeof(double))
            return GemmMicroKernel512<double>.IsSupported
                ? (T*)TransformWeight<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)w)
                : (T*)TransformWeight<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)w);
        throw OpErrors.NotSupported("conv", $"the Winograd kernel has no {typeof(T).Name} instance; expected float or double.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T* TransformWeight<T, TVector, TOps>(in ConvGeometry g, T* w)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, cin = g.InChannelsPerGroup, cout = g.OutChannelsPerGroup, lanes = RoundUp(cout, v);
        long perGroup = WeightLengthPerGroup<T>(g);
        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* u = ws.Get<T>(ConvolutionScratch.WinogradWeight, g.Groups * perGroup);
        // One input channel's 36 rows are gathered contiguously and then copied to their places: written in place,
        // the rows (Cin·lanes apart, 4 KiB for 32 channels) would fall in one cache set and evict each other.
        T* rows = ws.Get<T>(ConvolutionScratch.WinogradTiles, (long)Points * lanes);
        T* taps = stackalloc T[9 * TOps.Count];
        T* gw = stackalloc T[InTile * 3 * TOps.Count];
        for (int grp = 0; grp < g.Groups; grp++)
        for (int ci = 0; ci < cin; ci++)
        {
            for (int co = 0; co < lanes; co += v)
            {
                // The nine taps of a vector of output channels (zero past Cout).
                for (int lane = 0; lane < v; lane++)
                {
                    T* k = w + (((long)grp * cout + co + lane) * cin + ci) * 9;
                    for (int tap = 0; tap < 9; tap++) taps[tap * v + lane] = co + lane < cout ? k[tap] : T.Zero;
                }
                // G w: the kernel's columns interpolated at the six points.
                for (int c = 0; c < 3; c++)
                {
                    Interpolate<T, TVector, TOps>(TOps.Load(taps + c * v), TOps.Load(taps + (3 + c) * v), TOps.Load(taps + (6 + c) * v),
                        out TVector r0, out TVector r1, out TVector r2, out TVector r3, out TVector r4, out TVector r5);
                    StoreSix<T, TVector, TOps>(gw + c * v, 3L * v, r0, r1, r2, r3, r4, r5);
                }
                // (G w) Gᵀ: each row of G w interpolated the same way.
                for (int i = 0; i < InTile; i++)
                {
                    T* r = gw + i * 3 * v;
                    Interpolate<T, TVector, TOps>(TOps.Load(r), TOps.Load(r + v), TOps.Load(r + 2 * v),
                        out TVector u0, out TVector u1, out TVector u2, out TVector u3, out TVector u4, out TVector u5);
                    T* target = rows + (long)i * InTile * lanes + co;
                    TOps.Store(u0, target);
                    TOps.Store(u1, target + lanes);
                    TOps.Store(u2, target + 2 * lanes);
                    TOps.Store(u3, target + 3 * lanes);
                    TOps.Store(u4, target + 4 * lanes);
                    TOps.Store(u5, target + 5 * lanes);
                }
            }
            for (int p = 0; p < Points; p++)
                new ReadOnlySpan<T>(rows + (long)p * lanes, lanes).CopyTo(new Span<T>(u + grp * perGroup + ((long)p * cin + ci) * lanes, lanes));
        }
        return u;
    }

    /// <summary>G applied to three vectors: rows [1/4 0 0], [−1/6 −1/6 −1/6], [−1/6 1/6 −1/6], [1/24 1/12 1/6], [1/24 −1/12 1/6], [0 0 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interpolate<T, TVector, TOps>(TVector k0, TVector k1, TVector k2,
        out TVector r0, out TVector r1, out TVector r2, out TVector r3, out TVector r4, out TVector r5)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        TVector quarter = TOps.Broadcast(T.CreateTruncating(0.25)), minusSixth = TOps.Broadcast(T.CreateTruncating(-1.0 / 6)),
            sixth = TOps.Broadcast(T.CreateTruncating(1.0 / 6)), twelfth = TOps.Broadcast(T.CreateTruncating(1.0 / 12)),
            twentyFourth = TOps.Broadcast(T.CreateTruncating(1.0 / 24));
        TVector outer = TOps.Add(k0, k2);
        r0 = TOps.Multiply(k0, quarter);
        r1 = TOps.Multiply(TOps.Add(outer, k1), minusSixth);
        r2 = TOps.Multiply(TOps.Subtract(outer, k1), minusSixth);
        TVector even = TOps.MulAdd(k0, twentyFourth, TOps.Multiply(k2, sixth)), odd = TOps.Multiply(k1, twelfth);
        r3 = TOps.Add(even, odd);
        r4 = TOps.Subtract(even, odd);
        r5 = k2;
    }

    /// <summary>
    /// One sample and group: y[coutG, outPlane] = conv(x[cinG, inPlane], w) (+ bias[coutG] when not null), with
    /// <paramref name="u"/> the group's transformed weight from <see cref="TransformWeight{T}"/>.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, T* x, T* u, T* bias, T* y) where T : unmanaged
    {
        // The type tests fold away per instantiation; AVX-512 where the machine has it, else AVX2.
        if (typeof(T) == typeof(float))
        {
            if (GemmMicroKernel512<float>.IsSupported)
                Run<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)x, (float*)u, (float*)bias, (float*)y);
            else
                Run<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)x, (float*)u, (float*)bias, (float*)y);
        }
        else if (typeof(T) == typeof(double))
        {
            if (GemmMicroKernel512<double>.IsSupported)
                Run<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)x, (double*)u, (double*)bias, (double*)y);
            else
                Run<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)x, (double*)u, (double*)bias, (double*)y);
        }
        else
            throw OpErrors.NotSupported("conv", $"the Winograd kernel has no {typeof(T).Name} instance; expected float or double.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T, TVector, TOps>(in ConvGeometry g, T* x, T* u, T* bias, T* y)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, cin = g.InChannelsPerGroup, cout = g.OutChannelsPerGroup;
        var layout = new TileLayout(g, v);
        int cinV = layout.InLanes, coutV = layout.OutLanes, tiles = layout.Tiles, outW = g.OutputWidth, outPlane = g.OutputPlane;
        int block = Math.Min(RoundUp(tiles, 2), Math.Max(RowBlock, BlockElements / (Points * Math.Max(cinV, coutV)) / 2 * 2));

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.WinogradInput, layout.PaddedLength);
        T* transformed = ws.Get<T>(ConvolutionScratch.WinogradTiles, (long)Points * block * cinV);
        T* products = ws.Get<T>(ConvolutionScratch.WinogradProducts, (long)Points * block * coutV);
        T* planeLast = ws.Get<T>(ConvolutionScratch.WinogradOutput, (long)outPlane * coutV + coutV);
        T* biasLanes = planeLast + (long)outPlane * coutV;
        T* scratch = stackalloc T[Points * TOps.Count];
        for (int co = 0; co < coutV; co++) biasLanes[co] = bias == null || co >= cout ? T.Zero : bias[co];

        layout.Pad(g, x, ws.Get<T>(ConvolutionScratch.WinogradPlane, layout.InputLength), padded);
        for (int t0 = 0; t0 < tiles; t0 += block)
        {
            int count = Math.Min(block, tiles - t0), rows = RoundUp(count, 2);
            for (int t = 0; t < count; t++)
            {
                int ty = (t0 + t) / layout.TilesWide, tx = (t0 + t) % layout.TilesWide;
                T* origin = padded + ((long)OutTile * ty * layout.PaddedWidth + OutTile * tx) * cinV;
                for (int c = 0; c < cinV; c += v)
                    TransformInput<T, TVector, TOps>(origin + c, (long)layout.PaddedWidth * cinV, cinV, scratch, transformed + (long)t * Points * cinV + c, cinV);
            }
            // An odd last tile's partner row: zeros, computed and never read back.
            if (rows > count)
                for (int p = 0; p < Points; p++)
                    new Span<T>(transformed + ((long)count * Points + p) * cinV, cinV).Clear();

            for (int p = 0; p < Points; p++)
                Products<T, TVector, TOps>(transformed + (long)p * cinV, Points * cinV, 1, u + (long)p * cin * coutV, coutV,
                    products + (long)p * coutV, Points * coutV, cin, rows, coutV, accumulate: false);

            for (int t = 0; t < count; t++)
            {
                int ty = (t0 + t) / layout.TilesWide, tx = (t0 + t) % layout.TilesWide;
                int height = Math.Min(OutTile, g.OutputHeight - OutTile * ty), width = Math.Min(OutTile, outW - OutTile * tx);
                T* target = planeLast + ((long)OutTile * ty * outW + OutTile * tx) * coutV;
                for (int c = 0; c < coutV; c += v)
                    TransformOutput<T, TVector, TOps>(products + (long)t * Points * coutV + c, coutV, TOps.Load(biasLanes + c), scratch,
                        target + c, (long)outW * coutV, coutV, height, width);
            }
        }
        // Channels-last to the NCHW slice.
        Transpose(planeLast, coutV, y, outPlane, outPlane, cout);
    }

    /// <summary>
    /// Bᵀ d B for one 6×6 tile and one vector of channels: d[i][j] at <paramref name="d"/> + i·<paramref name="rowStride"/>
    /// + j·<paramref name="columnStride"/>; point ξ = 6i + j goes to <paramref name="v"/> + ξ·<paramref name="pointStride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TransformInput<T, TVector, TOps>(T* d, long rowStride, int columnStride, T* scratch, T* v, long pointStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int n = TOps.Count;
        // Down each column (Bᵀ d) into the scratch tile, then along each of its rows (· B).
        for (int j = 0; j < InTile; j++)
        {
            T* c = d + (long)j * columnStride;
            InputRows<T, TVector, TOps>(TOps.Load(c), TOps.Load(c + rowStride), TOps.Load(c + 2 * rowStride), TOps.Load(c + 3 * rowStride),
                TOps.Load(c + 4 * rowStride), TOps.Load(c + 5 * rowStride),
                out TVector r0, out TVector r1, out TVector r2, out TVector r3, out TVector r4, out TVector r5);
            StoreSix<T, TVector, TOps>(scratch + j * n, InTile * n, r0, r1, r2, r3, r4, r5);
        }
        for (int i = 0; i < InTile; i++)
        {
            T* r = scratch + i * InTile * n;
            InputRows<T, TVector, TOps>(TOps.Load(r), TOps.Load(r + n), TOps.Load(r + 2 * n), TOps.Load(r + 3 * n), TOps.Load(r + 4 * n), TOps.Load(r + 5 * n),
                out TVector v0, out TVector v1, out TVector v2, out TVector v3, out TVector v4, out TVector v5);
            T* o = v + i * InTile * pointStride;
            StoreSix<T, TVector, TOps>(o, pointStride, v0, v1, v2, v3, v4, v5);
        }
    }

    /// <summary>Stores six vectors <paramref name="stride"/> elements apart from <paramref name="o"/>: one transformed row's six points.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreSix<T, TVector, TOps>(T* o, long stride, TVector v0, TVector v1, TVector v2, TVector v3, TVector v4, TVector v5)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        TOps.Store(v0, o);
        TOps.Store(v1, o + stride);
        TOps.Store(v2, o + 2 * stride);
        TOps.Store(v3, o + 3 * stride);
        TOps.Store(v4, o + 4 * stride);
        TOps.Store(v5, o + 5 * stride);
    }

    /// <summary>Bᵀ applied to six vectors: rows [4 0 −5 0 1 0], [0 −4 −4 1 1 0], [0 4 −4 −1 1 0], [0 −2 −1 2 1 0], [0 2 −1 −2 1 0], [0 4 0 −5 0 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRows<T, TVector, TOps>(TVector d0, TVector d1, TVector d2, TVector d3, TVector d4, TVector d5,
        out TVector r0, out TVector r1, out TVector r2, out TVector r3, out TVector r4, out TVector r5)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        TVector four = TOps.Broadcast(T.CreateTruncating(4)), minusFour = TOps.Broadcast(T.CreateTruncating(-4)),
            minusFive = TOps.Broadcast(T.CreateTruncating(-5)), two = TOps.Broadcast(T.CreateTruncating(2)), minusTwo = TOps.Broadcast(T.CreateTruncating(-2));
        r0 = TOps.MulAdd(minusFive, d2, TOps.MulAdd(four, d0, d4));
        r1 = TOps.MulAdd(minusFour, TOps.Add(d1, d2), TOps.Add(d3, d4));
        r2 = TOps.MulAdd(four, TOps.Subtract(d1, d2), TOps.Subtract(d4, d3));
        TVector odd = TOps.Subtract(d1, d3), even = TOps.Subtract(d4, d2);
        r3 = TOps.MulAdd(minusTwo, odd, even);
        r4 = TOps.MulAdd(two, odd, even);
        r5 = TOps.MulAdd(minusFive, d3, TOps.MulAdd(four, d1, d5));
    }

    /// <summary>
    /// Aᵀ m A + bias for one tile and one vector of channels: m[ξ] at <paramref name="m"/> + ξ·<paramref name="pointStride"/>;
    /// output (a, b) for a &lt; <paramref name="height"/>, b &lt; <paramref name="width"/> goes to <paramref name="y"/>
    /// + a·<paramref name="rowStride"/> + b·<paramref name="columnStride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformOutput<T, TVector, TOps>(T* m, long pointStride, TVector bias, T* scratch, T* y, long rowStride, int columnStride, int height, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int n = TOps.Count;
        // Down each column (Aᵀ m) into the scratch's first four rows, then along each of those rows (· A).
        for (int j = 0; j < InTile; j++)
        {
            T* c = m + j * pointStride;
            long step = InTile * pointStride;
            OutputRows<T, TVector, TOps>(TOps.Load(c), TOps.Load(c + step), TOps.Load(c + 2 * step), TOps.Load(c + 3 * step),
                TOps.Load(c + 4 * step), TOps.Load(c + 5 * step), out TVector o0, out TVector o1, out TVector o2, out TVector o3);
            TOps.Store(o0, scratch + (0 * InTile + j) * n);
            TOps.Store(o1, scratch + (1 * InTile + j) * n);
            TOps.Store(o2, scratch + (2 * InTile + j) * n);
            TOps.Store(o3, scratch + (3 * InTile + j) * n);
        }
        for (int a = 0; a < height; a++)
        {
            T* r = scratch + a * InTile * n;
            OutputRows<T, TVector, TOps>(TOps.Load(r), TOps.Load(r + n), TOps.Load(r + 2 * n), TOps.Load(r + 3 * n), TOps.Load(r + 4 * n), TOps.Load(r + 5 * n),
                out TVector o0, out TVector o1, out TVector o2, out TVector o3);
            T* row = y + a * rowStride;
            TOps.Store(TOps.Add(o0, bias), row);
            if (width > 1) TOps.Store(TOps.Add(o1, bias), row + columnStride);
            if (width > 2) TOps.Store(TOps.Add(o2, bias), row + 2 * columnStride);
            if (width > 3) TOps.Store(TOps.Add(o3, bias), row + 3 * columnStride);
        }
    }

    /// <summary>Aᵀ applied to six vectors: rows [1 1 1 1 1 0], [0 1 −1 2 −2 0], [0 1 1 4 4 0], [0 1 −1 8 −8 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputRows<T, TVector, TOps>(TVector m0, TVector m1, TVector m2, TVector m3, TVector m4, TVector m5,
        out TVector o0, out TVector o1, out TVector o2, out TVector o3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        TVector two = TOps.Broadcast(T.CreateTruncating(2)), four = TOps.Broadcast(T.CreateTruncating(4)), eight = TOps.Broadcast(T.CreateTruncating(8));
        TVector sum12 = TOps.Add(m1, m2), difference12 = TOps.Subtract(m1, m2), sum34 = TOps.Add(m3, m4), difference34 = TOps.Subtract(m3, m4);
        o0 = TOps.Add(TOps.Add(m0, sum12), sum34);
        o1 = TOps.MulAdd(two, difference34, difference12);
        o2 = TOps.MulAdd(four, sum34, sum12);
        o3 = TOps.Add(TOps.MulAdd(eight, difference34, difference12), m5);
    }

    /// <summary>
    /// c[rows, lanes] = a[rows, k] · b[k, lanes] (or c += with <paramref name="accumulate"/>) for one point: a[r, i] at
    /// a + r·<paramref name="lda"/> + i·<paramref name="kStride"/>, b's rows <paramref name="ldb"/> apart (the lanes, a
    /// whole number of vectors), c's <paramref name="ldc"/>; rows even.
    /// </summary>
    internal static void Products<T, TVector, TOps>(T* a, int lda, nint kStride, T* b, int ldb, T* c, int ldc, int k, int rows, int lanes, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        for (int col = 0; col < lanes; col += 2 * v)
        {
            bool pair = col + 2 * v <= lanes;
            int r = 0;
            for (; r + RowBlock <= rows; r += RowBlock)
            {
                if (pair) Block<T, TVector, TOps, Six, Two>(a + (long)r * lda, lda, kStride, b + col, ldb, c + (long)r * ldc + col, ldc, k, accumulate);
                else Block<T, TVector, TOps, Six, One>(a + (long)r * lda, lda, kStride, b + col, ldb, c + (long)r * ldc + col, ldc, k, accumulate);
            }
            if (rows - r == 4)
            {
                if (pair) Block<T, TVector, TOps, Four, Two>(a + (long)r * lda, lda, kStride, b + col, ldb, c + (long)r * ldc + col, ldc, k, accumulate);
                else Block<T, TVector, TOps, Four, One>(a + (long)r * lda, lda, kStride, b + col, ldb, c + (long)r * ldc + col, ldc, k, accumulate);
            }
            else if (rows - r == 2)
            {
                if (pair) Block<T, TVector, TOps, Two, Two>(a + (long)r * lda, lda, kStride, b + col, ldb, c + (long)r * ldc + col, ldc, k, accumulate);
                else Block<T, TVector, TOps, Two, One>(a + (long)r * lda, lda, kStride, b + col, ldb, c + (long)r * ldc + col, ldc, k, accumulate);
            }
        }
    }

    /// <summary>
    /// A register block of <typeparamref name="TRows"/> rows × <typeparamref name="TVectors"/> vectors over k: per
    /// step, the vectors' loads and a broadcast per row; the counts are constants of the instantiation, so the
    /// JIT drops the unused accumulators and their branches. With <paramref name="accumulate"/> the block's sums
    /// are added to c after the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<T, TVector, TOps, TRows, TVectors>(T* a, int lda, nint kStride, T* b, int ldb, T* c, int ldc, int k, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
        where TRows : struct, ICount
        where TVectors : struct, ICount
    {
        int v = TOps.Count;
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint l1 = lda, l2 = 2 * l1, l3 = 3 * l1, l4 = 4 * l1, l5 = 5 * l1;
        for (int i = 0; i < k; i++, a += kStride, b += ldb)
        {
            TVector b0 = TOps.Load(b);
            TVector b1 = TVectors.Value > 1 ? TOps.Load(b + v) : default;
            TVector x = TOps.Broadcast(a[0]);
            c00 = TOps.MulAdd(x, b0, c00);
            if (TVectors.Value > 1) c01 = TOps.MulAdd(x, b1, c01);
            x = TOps.Broadcast(a[l1]);
            c10 = TOps.MulAdd(x, b0, c10);
            if (TVectors.Value > 1) c11 = TOps.MulAdd(x, b1, c11);
            if (TRows.Value > 2)
            {
                x = TOps.Broadcast(a[l2]);
                c20 = TOps.MulAdd(x, b0, c20);
                if (TVectors.Value > 1) c21 = TOps.MulAdd(x, b1, c21);
                x = TOps.Broadcast(a[l3]);
                c30 = TOps.MulAdd(x, b0, c30);
                if (TVectors.Value > 1) c31 = TOps.MulAdd(x, b1, c31);
            }
            if (TRows.Value > 4)
            {
                x = TOps.Broadcast(a[l4]);
                c40 = TOps.MulAdd(x, b0, c40);
                if (TVectors.Value > 1) c41 = TOps.MulAdd(x, b1, c41);
                x = TOps.Broadcast(a[l5]);
                c50 = TOps.MulAdd(x, b0, c50);
                if (TVectors.Value > 1) c51 = TOps.MulAdd(x, b1, c51);
            }
        }
        Put<T, TVector, TOps>(c00, c, accumulate);
        Put<T, TVector, TOps>(c10, c + ldc, accumulate);
        if (TVectors.Value > 1)
        {
            Put<T, TVector, TOps>(c01, c + v, accumulate);
            Put<T, TVector, TOps>(c11, c + ldc + v, accumulate);
        }
        if (TRows.Value > 2)
        {
            Put<T, TVector, TOps>(c20, c + 2 * ldc, accumulate);
            Put<T, TVector, TOps>(c30, c + 3 * ldc, accumulate);
            if (TVectors.Value > 1)
            {
                Put<T, TVector, TOps>(c21, c + 2 * ldc + v, accumulate);
                Put<T, TVector, TOps>(c31, c + 3 * ldc + v, accumulate);
            }
        }
        if (TRows.Value > 4)
        {
            Put<T, TVector, TOps>(c40, c + 4 * ldc, accumulate);
            Put<T, TVector, TOps>(c50, c + 5 * ldc, accumulate);
            if (TVectors.Value > 1)
            {
                Put<T, TVector, TOps>(c41, c + 4 * ldc + v, accumulate);
                Put<T, TVector, TOps>(c51, c + 5 * ldc + v, accumulate);
            }
        }
    }

    /// <summary>Stores <paramref name="sum"/> at <paramref name="c"/>, or adds it to what is there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T, TVector, TOps>(TVector sum, T* c, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
        => TOps.Store(accumulate ? TOps.Add(TOps.Load(c), sum) : sum, c);

    /// <summary>
    /// dst[i·<paramref name="dstStride"/> + j] = src[j·<paramref name="srcStride"/> + i] for j &lt; <paramref name="rows"/>,
    /// i &lt; <paramref name="columns"/>: whole tiles in registers (<see cref="GemmTranspose.Tile"/>), the edges one by one.
    /// </summary>
    internal static void Transpose<T>(T* src, long srcStride, T* dst, long dstStride, int rows, int columns) where T : unmanaged
    {
        int size = GemmTranspose.IsSupported<T>() ? GemmTranspose.TileSize<T>() : int.MaxValue;
        int fullRows = rows / size * size, fullColumns = columns / size * size;
        for (int j = 0; j < fullRows; j += size)
        for (int i = 0; i < fullColumns; i += size)
            GemmTranspose.Tile(src + j * srcStride + i, (nint)srcStride, dst + i * dstStride + j, (nint)dstStride);
        for (int j = 0; j < rows; j++)
        {
            T* from = src + j * srcStride;
            for (int i = j < fullRows ? fullColumns : 0; i < columns; i++) dst[i * dstStride + j] = from[i];
        }
    }

    internal static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>A count fixed by a type, so that a generic kernel is specialised per count.</summary>
    private interface ICount
    {
        static abstract int Value { get; }
    }

    private readonly struct One : ICount
    {
        public static int Value => 1;
    }

    private readonly struct Two : ICount
    {
        public static int Value => 2;
    }

    private readonly struct Four : ICount
    {
        public static int Value => 4;
    }

    private readonly struct Six : ICount
    {
        public static int Value => 6;
    }

    /// <summary>
    /// The tiling of one sample: ⌈outH/4⌉ × ⌈outW/4⌉ tiles, and the channels-last zero-padded input plane they
    /// read, (4·tilesHigh + 2) × (4·tilesWide + 2) positions of the input channels rounded up to vectors.
    /// </summary>
    internal readonly struct TileLayout
    {
        public readonly int TilesHigh, TilesWide, PaddedHeight, PaddedWidth, InLanes, OutLanes;
        private readonly int _inputPlane;

        public TileLayout(in ConvGeometry g, int vector)
        {
            TilesHigh = (g.OutputHeight + OutTile - 1) / OutTile;
            TilesWide = (g.OutputWidth + OutTile - 1) / OutTile;
            PaddedHeight = OutTile * TilesHigh + 2;
            PaddedWidth = OutTile * TilesWide + 2;
            InLanes = RoundUp(g.InChannelsPerGroup, vector);
            OutLanes = RoundUp(g.OutChannelsPerGroup, vector);
            _inputPlane = g.InputPlane;
        }

        public int Tiles => TilesHigh * TilesWide;

        public long PaddedLength => (long)PaddedHeight * PaddedWidth * InLanes;

        /// <summary>Elements of the channels-last unpadded input (and the room <see cref="Pad"/> needs for it).</summary>
        public long InputLength => (long)_inputPlane * InLanes;

        /// <summary>Elements of the channels-last output gradient cut to whole tiles, (4·tilesHigh) × (4·tilesWide) × the output lanes.</summary>
        public long GradientLength => (long)OutTile * TilesHigh * OutTile * TilesWide * OutLanes;

        /// <summary>
        /// tiled[(r, c)][co] = gy[co][r][c], zero past the output plane and the channels; <paramref name="planeLast"/>
        /// is room for the output plane channels-last (outputPlane × output lanes).
        /// </summary>
        public void PadGradient<T>(in ConvGeometry g, T* gy, T* planeLast, T* tiled) where T : unmanaged
        {
            int lanes = OutLanes, outW = g.OutputWidth, width = OutTile * TilesWide;
            new Span<T>(tiled, checked((int)GradientLength)).Clear();
            if (lanes > g.OutChannelsPerGroup) new Span<T>(planeLast, g.OutputPlane * lanes).Clear();
            Transpose(gy, g.OutputPlane, planeLast, lanes, g.OutChannelsPerGroup, g.OutputPlane);
            for (int oh = 0; oh < g.OutputHeight; oh++)
                new ReadOnlySpan<T>(planeLast + (long)oh * outW * lanes, outW * lanes).CopyTo(new Span<T>(tiled + (long)oh * width * lanes, outW * lanes));
        }

        /// <summary>
        /// padded[(r, c)][ci] = x[ci][r − padH][c − padW], zero outside the input; <paramref name="planeLast"/> is
        /// room for the sample channels-last (inputPlane × lanes).
        /// </summary>
        public void Pad<T>(in ConvGeometry g, T* x, T* planeLast, T* padded) where T : unmanaged
        {
            new Span<T>(padded, checked((int)PaddedLength)).Clear();
            int h = g.InputHeight, w = g.InputWidth, lanes = InLanes;
            int rows = Math.Min(h, PaddedHeight - g.PadHeight), columns = Math.Min(w, PaddedWidth - g.PadWidth);
            // The whole plane in register tiles, then each input row's positions as one contiguous copy. Lanes past
            // the channels are zeroed first (they are transformed, and stale memory may hold slow subnormals).
            if (lanes > g.InChannelsPerGroup) new Span<T>(planeLast, checked((int)InputLength)).Clear();
            Transpose(x, g.InputPlane, planeLast, lanes, g.InChannelsPerGroup, g.InputPlane);
            for (int ih = 0; ih < rows; ih++)
                new ReadOnlySpan<T>(planeLast + (long)ih * w * lanes, columns * lanes)
                    .CopyTo(new Span<T>(padded + ((long)(ih + g.PadHeight) * PaddedWidth + g.PadWidth) * lanes, columns * lanes));
        }
    }
}
