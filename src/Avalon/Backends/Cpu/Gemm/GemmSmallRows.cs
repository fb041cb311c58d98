using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Products of fewer rows than the micro-kernel's Mr over a pre-packed B (<see cref="GemmPackedB"/>): a
/// batch-1 prediction's layer, where the 6-row micro-kernel would compute five rows of zeros and B's
/// packing would cost more than the product. Each row of C is computed alone, eight vectors of columns
/// (several panels) at a time, which streams B once per row with enough independent FMA chains.
/// </summary>
/// <remarks>
/// Every element gets exactly the operations the blocked product gives it (so a row computed here is
/// bitwise the same row of a larger product): per slice of k (<see cref="GemmDriver{T, TKernel}.Kc"/>),
/// an accumulator from zero over the slice's k in order — fused multiply-adds for the vector kernels,
/// a product then a sum for the scalar one — times alpha; the first slice writes it (beta 0) or merges
/// it with beta·C as that kernel's full tiles do, later slices add it to C. Lanes of a vector are
/// independent, so 256-bit vectors reproduce the 512-bit kernel's columns too.
/// </remarks>
internal static unsafe class GemmSmallRows<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private static int Kc => GemmDriver<T, GemmMicroKernelScalar<T>>.Kc;

    /// <summary>
    /// Fewest elements of B for which the columns are split across threads: streaming B is the whole cost at
    /// these row counts, and a 784×500 layer at batch 1 (1.5 MiB) read by two cores halves it.
    /// </summary>
    private const long SplitElements = 1L << 17;

    /// <summary>
    /// Runs <paramref name="p"/> (p.B unused) over <paramref name="packed"/>, laid out for <paramref name="kind"/>, with a
    /// large B's columns cut into up to <paramref name="parts"/> ranges of whole panels, one task each (every element is
    /// computed as without the split).
    /// </summary>
    public static void Run(GemmKernelKind kind, in GemmProblem<T> p, GemmPackedB packed, int parts)
    {
        int panels = packed.PaddedN / packed.Nr;
        parts = (long)p.K * p.N >= SplitElements ? Math.Min(parts, panels) : 1;
        if (parts <= 1)
        {
            RunColumns(kind, p, packed, 0, packed.PaddedN);
            return;
        }
        var job = ColumnJob.Rent();
        job.Set(kind, p, packed, parts, panels);
        try
        {
            CpuParallel.For(parts, job.Body);
        }
        finally
        {
            job.Clear();
            job.Return();
        }
    }

    private static void RunColumns(GemmKernelKind kind, in GemmProblem<T> p, GemmPackedB packed, int jStart, int jEnd)
    {
        if (kind == GemmKernelKind.Scalar) RunScalar(p, packed, jStart, jEnd);
        else RunFused(p, packed, jStart, jEnd);
    }

    /// <summary>One range of whole panels per task; reused per thread (see <see cref="ReusableJob{TSelf}"/>).</summary>
    private sealed class ColumnJob : ReusableJob<ColumnJob>
    {
        public readonly Action<int> Body;
        private GemmKernelKind _kind;
        private GemmProblem<T> _problem;
        private GemmPackedB? _packed;
        private int _parts, _panels;

        public ColumnJob() => Body = Execute;

        public void Set(GemmKernelKind kind, in GemmProblem<T> p, GemmPackedB packed, int parts, int panels) =>
            (_kind, _problem, _packed, _parts, _panels) = (kind, p, packed, parts, panels);

        public void Clear()
        {
            _problem = default;
            _packed = null;
        }

        private void Execute(int part)
        {
            int nr = _packed!.Nr;
            int first = (int)((long)part * _panels / _parts), end = (int)((long)(part + 1) * _panels / _parts);
            RunColumns(_kind, _problem, _packed, first * nr, end * nr);
        }
    }

    /// <summary>The FMA kernels' order (Vector256 and Vector512): c = fma(a, b, c) over k, then ·alpha.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunFused(in GemmProblem<T> p, GemmPackedB packed, int jStart, int jEnd)
    {
        int w = Vector256<T>.Count, nr = packed.Nr;
        int group = 8 * w, quarter = 2 * w;
        nint aStep = p.TransA ? p.Lda : 1;
        for (int i = 0; i < p.M; i++)
        {
            T* aRow = p.TransA ? p.A + i : p.A + i * p.Lda;
            T* cRow = p.C + i * p.Ldc;
            for (int pc = 0; pc < p.K; pc += Kc)
            {
                int kc = Math.Min(Kc, p.K - pc);
                T* slice = packed.Block<T>(pc, 0);
                T* a = aRow + pc * aStep;
                bool first = pc == 0;
                int j = jStart;
                for (; j + group <= jEnd; j += group)
                {
                    T* b0 = Column(slice, j, kc, nr), b1 = Column(slice, j + quarter, kc, nr);
                    T* b2 = Column(slice, j + 2 * quarter, kc, nr), b3 = Column(slice, j + 3 * quarter, kc, nr);
                    Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                    T* ap = a;
                    for (int k = 0; k < kc; k++, ap += aStep)
                    {
                        var av = Vector256.Create(*ap);
                        nint o = (nint)k * nr;
                        c0 = MulAdd(av, Vector256.Load(b0 + o), c0);
                        c1 = MulAdd(av, Vector256.Load(b0 + o + w), c1);
                        c2 = MulAdd(av, Vector256.Load(b1 + o), c2);
                        c3 = MulAdd(av, Vector256.Load(b1 + o + w), c3);
                        c4 = MulAdd(av, Vector256.Load(b2 + o), c4);
                        c5 = MulAdd(av, Vector256.Load(b2 + o + w), c5);
                        c6 = MulAdd(av, Vector256.Load(b3 + o), c6);
                        c7 = MulAdd(av, Vector256.Load(b3 + o + w), c7);
                    }
                    var alpha = Vector256.Create(p.Alpha);
                    Merge(cRow, j, p.N, c0 * alpha, first, p.Beta);
                    Merge(cRow, j + w, p.N, c1 * alpha, first, p.Beta);
                    Merge(cRow, j + 2 * w, p.N, c2 * alpha, first, p.Beta);
                    Merge(cRow, j + 3 * w, p.N, c3 * alpha, first, p.Beta);
                    Merge(cRow, j + 4 * w, p.N, c4 * alpha, first, p.Beta);
                    Merge(cRow, j + 5 * w, p.N, c5 * alpha, first, p.Beta);
                    Merge(cRow, j + 6 * w, p.N, c6 * alpha, first, p.Beta);
                    Merge(cRow, j + 7 * w, p.N, c7 * alpha, first, p.Beta);
                }

                // The rest is whole quarters (2 vectors): panels are a multiple of them.
                for (; j < jEnd; j += quarter)
                {
                    T* b0 = Column(slice, j, kc, nr);
                    Vector256<T> c0 = default, c1 = default;
                    T* ap = a;
                    for (int k = 0; k < kc; k++, ap += aStep)
                    {
                        var av = Vector256.Create(*ap);
                        nint o = (nint)k * nr;
                        c0 = MulAdd(av, Vector256.Load(b0 + o), c0);
                        c1 = MulAdd(av, Vector256.Load(b0 + o + w), c1);
                    }
                    var alpha = Vector256.Create(p.Alpha);
                    Merge(cRow, j, p.N, c0 * alpha, first, p.Beta);
                    Merge(cRow, j + w, p.N, c1 * alpha, first, p.Beta);
                }
            }
        }
    }

    /// <summary>Where column <paramref name="j"/> of a packed slice starts (its panel, then its offset in the panel's step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* Column(T* slice, int j, int kc, int nr) => slice + (nint)(j / nr) * kc * nr + j % nr;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MulAdd(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
    }

    /// <summary>
    /// C[j..j+w) of one row from one slice's x = acc·alpha: the first slice writes x (beta 0) or
    /// fma(beta, C, x); later slices C + x (the kernels' fma(1, C, x)). Columns from n on are padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(T* cRow, int j, int n, Vector256<T> x, bool first, T beta)
    {
        int w = Vector256<T>.Count;
        if (j >= n) return;
        T* c = cRow + j;
        if (j + w <= n)
        {
            if (!first) Vector256.Store(Vector256.Load(c) + x, c);
            else if (beta == T.Zero) Vector256.Store(x, c);
            else Vector256.Store(MulAdd(Vector256.Create(beta), Vector256.Load(c), x), c);
            return;
        }
        for (int t = 0; t < n - j; t++)
        {
            T xt = x.GetElement(t);
            c[t] = !first ? c[t] + xt : beta == T.Zero ? xt : T.FusedMultiplyAdd(beta, c[t], xt);
        }
    }

    /// <summary>The scalar kernel's order: c = c + a·b (two roundings) over k, then alpha·c, merged as alpha·c + beta·C.</summary>
    private static void RunScalar(in GemmProblem<T> p, GemmPackedB packed, int jStart, int jEnd)
    {
        int nr = packed.Nr;
        nint aStep = p.TransA ? p.Lda : 1;
        T* acc = stackalloc T[nr];
        for (int i = 0; i < p.M; i++)
        {
            T* aRow = p.TransA ? p.A + i : p.A + i * p.Lda;
            T* cRow = p.C + i * p.Ldc;
            for (int pc = 0; pc < p.K; pc += Kc)
            {
                int kc = Math.Min(Kc, p.K - pc);
                T* slice = packed.Block<T>(pc, 0);
                T beta = pc == 0 ? p.Beta : T.One;
                for (int j = jStart; j < jEnd; j += nr)
                {
                    T* panel = slice + (nint)j * kc;
                    for (int t = 0; t < nr; t++) acc[t] = T.Zero;
                    T* ap = aRow + pc * aStep;
                    for (int k = 0; k < kc; k++, ap += aStep, panel += nr)
                    {
                        T ak = *ap;
                        for (int t = 0; t < nr; t++) acc[t] += ak * panel[t];
                    }
                    int cols = Math.Min(nr, p.N - j);
                    for (int t = 0; t < cols; t++)
                        cRow[j + t] = beta == T.Zero ? p.Alpha * acc[t] : p.Alpha * acc[t] + beta * cRow[j + t];
                }
            }
        }
    }
}
