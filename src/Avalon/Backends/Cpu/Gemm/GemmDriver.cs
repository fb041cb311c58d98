using System.Numerics;
using System.Runtime.CompilerServices;

namespace Avalon.Backends.Cpu;

/// <summary>
/// The GotoBLAS/BLIS loop nest around a micro-kernel: for each NC-wide column block of B, for each
/// KC-deep slice of k, pack op(B) once; for each MC-tall row block, pack op(A) and sweep the
/// micro-kernel over the block. Sizes: a kc×Nr panel of B stays in L1 while the mc×kc block of A
/// streams from L2, and the kc×nc block of B lives in L3.
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>Depth of one packed slice of k.</summary>
    public static int Kc => 256;

    /// <summary>Rows of A packed at once: about 192 KiB of A, a multiple of Mr.</summary>
    public static int Mc => RoundUp(192 * 1024 / (Kc * sizeof(T)), TKernel.Mr);

    /// <summary>Columns of B packed at once, a multiple of Nr.</summary>
    public static int Nc => RoundUp(4096, TKernel.Nr);

    /// <summary>Runs the whole problem on the calling thread.</summary>
    public static void Run(in GemmProblem<T> p) => Run(p, null);

    /// <summary>
    /// Runs the whole problem on the calling thread; with <paramref name="packedB"/> (op(B) packed for this
    /// kernel, <see cref="GemmPackedB"/>) it reads B's blocks from there instead of packing them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmProblem<T> p, GemmPackedB? packedB)
    {
        if (p.M == 0 || p.N == 0) return;
        if (p.K == 0 || p.Alpha == T.Zero)
        {
            ScaleC(p);
            return;
        }

        int mr = TKernel.Mr, nr = TKernel.Nr;
        int kcMax = Math.Min(Kc, p.K);
        int mcMax = Math.Min(Mc, RoundUp(p.M, mr));
        int ncMax = Math.Min(Nc, RoundUp(p.N, nr));
        GemmWorkspace ws = GemmWorkspace.Current;
        T* packB = packedB is null ? (T*)ws.PackedB((nuint)((long)kcMax * ncMax * sizeof(T))) : null;
        T* packedA = (T*)ws.PackedA((nuint)((long)kcMax * mcMax * sizeof(T)));
        T* edge = stackalloc T[TKernel.Mr * TKernel.Nr];

        for (int jc = 0; jc < p.N; jc += Nc)
        {
            int nc = Math.Min(Nc, p.N - jc);
            for (int pc = 0; pc < p.K; pc += Kc)
            {
                int kc = Math.Min(Kc, p.K - pc);
                // Later slices of k accumulate onto what the first one wrote.
                T beta = pc == 0 ? p.Beta : T.One;
                T* blockB = packB;
                if (packedB is null) GemmPacking.PackB(p.TransB, p.B, p.Ldb, pc, jc, kc, nc, nr, packB);
                else blockB = packedB.Block<T>(pc, jc);
                for (int ic = 0; ic < p.M; ic += Mc)
                {
                    int mc = Math.Min(Mc, p.M - ic);
                    GemmPacking.PackA(p.TransA, p.A, p.Lda, ic, pc, mc, kc, mr, packedA);
                    MacroKernel(mc, nc, kc, p.Alpha, packedA, blockB, beta, p.C + ic * p.Ldc + jc, p.Ldc, edge);
                }
            }
        }
    }

    /// <summary>Sweeps the micro-kernel over an mc×nc block of C; partial tiles go through <paramref name="edge"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MacroKernel(int mc, int nc, int kc, T alpha, T* packedA, T* packedB, T beta, T* c, nint ldc, T* edge)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panelB = packedB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                T* panelA = packedA + (nint)ir * kc;
                T* tile = c + ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    TKernel.Compute(kc, panelA, panelB, tile, ldc, alpha, beta);
                    continue;
                }

                TKernel.Compute(kc, panelA, panelB, edge, nr, alpha, T.Zero);
                for (int i = 0; i < rows; i++)
                {
                    T* src = edge + i * nr;
                    T* dst = tile + i * ldc;
                    if (beta == T.Zero)
                        for (int j = 0; j < cols; j++) dst[j] = src[j];
                    else
                        for (int j = 0; j < cols; j++) dst[j] = src[j] + beta * dst[j];
                }
            }
        }
    }

    /// <summary>C = beta * C, the whole product when k is 0 or alpha is 0; beta 0 writes zeros (NaN in C is dropped).</summary>
    internal static void ScaleC(in GemmProblem<T> p)
    {
        if (p.Beta == T.One) return;
        for (int i = 0; i < p.M; i++)
        {
            Span<T> row = new(p.C + i * p.Ldc, p.N);
            if (p.Beta == T.Zero) row.Clear();
            else
                for (int j = 0; j < row.Length; j++) row[j] *= p.Beta;
        }
    }

    internal static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
