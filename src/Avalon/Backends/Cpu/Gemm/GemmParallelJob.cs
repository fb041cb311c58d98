using System.Numerics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Spreads GEMM work over <see cref="CpuParallel"/> in one of two ways.
/// <list type="bullet">
/// <item>A batch with at least as many matrices as tasks: whole products, one per task.</item>
/// <item>Otherwise, per product, the BLIS scheme: for each block of B, the threads pack the panels
/// of B together into one shared buffer, then take (row block × column range) tiles of C, each
/// packing its own block of A into its thread's workspace. Tiles are several times more than
/// threads and handed out dynamically, so a thread slowed by another process on its core does
/// less of the work instead of holding everyone up.</item>
/// </list>
/// Every element of C sees the same sequence of operations whatever the split, so results do not
/// depend on the thread count. One job object per calling thread, with cached delegates, keeps
/// repeated calls allocation-free.
/// </summary>
internal sealed unsafe class GemmParallelJob<T, TKernel>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>Tiles (and B packing chunks) per task: enough to rebalance around a stalled thread.</summary>
    private const int TilesPerTask = 4;

    [ThreadStatic]
    private static GemmParallelJob<T, TKernel>? t_job;

    private readonly Action<int> _batchBody, _packBody, _tileBody;
    private GemmProblem<T> _problem;
    private nint _strideA, _strideB, _strideC;

    // The current block of the shared-B scheme.
    private T* _packedB;
    private int _jc, _nc, _pc, _kc, _panelsPerPack, _mcTile, _rowTiles, _panelsPerTile;
    private T _beta;

    private GemmParallelJob()
    {
        _batchBody = RunBatchEntry;
        _packBody = PackBChunk;
        _tileBody = RunTile;
    }

    /// <summary>
    /// Computes <paramref name="batch"/> products (matrix i at offsets i·stride) with up to
    /// <paramref name="tasks"/> tasks.
    /// </summary>
    public static void Run(in GemmProblem<T> problem, int batch, nint strideA, nint strideB, nint strideC, int tasks)
    {
        if (batch <= 0 || problem.M == 0 || problem.N == 0) return;
        if (tasks <= 1)
        {
            for (int i = 0; i < batch; i++) GemmDriver<T, TKernel>.Run(problem.Batch(i, strideA, strideB, strideC));
            return;
        }

        GemmParallelJob<T, TKernel> job = t_job ??= new GemmParallelJob<T, TKernel>();
        job._problem = problem;
        (job._strideA, job._strideB, job._strideC) = (strideA, strideB, strideC);
        if (batch >= tasks)
        {
            CpuParallel.For(batch, job._batchBody);
            return;
        }

        for (int i = 0; i < batch; i++)
        {
            job._problem = problem.Batch(i, strideA, strideB, strideC);
            job.RunShared(tasks);
        }
    }

    private void RunBatchEntry(int index) =>
        GemmDriver<T, TKernel>.Run(_problem.Batch(index, _strideA, _strideB, _strideC));

    /// <summary>One product with B packed once per block and shared by all tasks.</summary>
    private void RunShared(int tasks)
    {
        ref readonly GemmProblem<T> p = ref _problem;
        if (p.K == 0 || p.Alpha == T.Zero)
        {
            GemmDriver<T, TKernel>.ScaleC(p);
            return;
        }

        int mr = TKernel.Mr, nr = TKernel.Nr, kcMax = GemmDriver<T, TKernel>.Kc, ncMax = GemmDriver<T, TKernel>.Nc;
        int tiles = tasks * TilesPerTask;
        // Row blocks no taller than Mc, and at least `tiles` of them when m allows; if m is too
        // short for that, each row block is further cut into column ranges.
        _mcTile = Math.Min(GemmDriver<T, TKernel>.Mc, GemmDriver<T, TKernel>.RoundUp((p.M + tiles - 1) / tiles, mr));
        _rowTiles = (p.M + _mcTile - 1) / _mcTile;
        int columnRanges = Math.Max(1, tiles / _rowTiles);

        GemmWorkspace ws = GemmWorkspace.Current;
        _packedB = (T*)ws.PackedB((nuint)((long)Math.Min(kcMax, p.K) * Math.Min(ncMax, GemmDriver<T, TKernel>.RoundUp(p.N, nr)) * sizeof(T)));
        for (_jc = 0; _jc < p.N; _jc += ncMax)
        {
            _nc = Math.Min(ncMax, p.N - _jc);
            int panels = (_nc + nr - 1) / nr;
            _panelsPerPack = (panels + tiles - 1) / tiles;
            _panelsPerTile = (panels + columnRanges - 1) / columnRanges;
            for (_pc = 0; _pc < p.K; _pc += kcMax)
            {
                _kc = Math.Min(kcMax, p.K - _pc);
                _beta = _pc == 0 ? p.Beta : T.One;
                CpuParallel.For((panels + _panelsPerPack - 1) / _panelsPerPack, _packBody);
                CpuParallel.For(_rowTiles * ((panels + _panelsPerTile - 1) / _panelsPerTile), _tileBody);
            }
        }
    }

    private void PackBChunk(int index)
    {
        int nr = TKernel.Nr, j = index * _panelsPerPack * nr;
        int cols = Math.Min(_panelsPerPack * nr, _nc - j);
        GemmPacking.PackB(_problem.TransB, _problem.B, _problem.Ldb, _pc, _jc + j, _kc, cols, nr, _packedB + (nint)j * _kc);
    }

    private void RunTile(int index)
    {
        ref readonly GemmProblem<T> p = ref _problem;
        int mr = TKernel.Mr, nr = TKernel.Nr;
        int ic = index % _rowTiles * _mcTile, mc = Math.Min(_mcTile, p.M - ic);
        int j = index / _rowTiles * _panelsPerTile * nr, cols = Math.Min(_panelsPerTile * nr, _nc - j);
        T* packedA = (T*)GemmWorkspace.Current.PackedA((nuint)((long)_kc * GemmDriver<T, TKernel>.RoundUp(mc, mr) * sizeof(T)));
        T* edge = stackalloc T[TKernel.Mr * TKernel.Nr];
        GemmPacking.PackA(p.TransA, p.A, p.Lda, ic, _pc, mc, _kc, mr, packedA);
        GemmDriver<T, TKernel>.MacroKernel(mc, cols, _kc, p.Alpha, packedA, _packedB + (nint)j * _kc, _beta,
            p.C + ic * p.Ldc + _jc + j, p.Ldc, edge);
    }
}
