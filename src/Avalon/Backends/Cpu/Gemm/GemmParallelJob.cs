using System.Numerics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Spreads GEMM work over several threads in one of two ways.
/// <list type="bullet">
/// <item>A batch with at least as many matrices as tasks: whole products, one per task, over
/// <see cref="CpuParallel"/>.</item>
/// <item>Otherwise, per product, the BLIS scheme in one parallel region on
/// <see cref="GemmThreadTeam"/>: for each block of B (column block × slice of k, in order), the
/// threads pack the panels of B together into one of two shared buffers, then take
/// (row block × column range) tiles of C, each packing its own block of A into its thread's
/// workspace. There is no barrier between blocks: a thread done with its tiles goes on to pack the
/// next block while the others finish theirs (see <see cref="Work"/>). Tiles are several times
/// more than threads and handed out dynamically, so a thread slowed by another process on its core
/// does less of the work instead of holding everyone up, and the last block is cut finer so that
/// the threads finish together.</item>
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

    /// <summary>How many column pieces each tile of the last block is cut into.</summary>
    private const int LastBlockSplit = 2;

    [ThreadStatic]
    private static GemmParallelJob<T, TKernel>? t_job;

    private readonly Action<int> _batchBody, _workerBody;
    private GemmProblem<T> _problem;
    private nint _strideA, _strideB, _strideC;

    // The current product of the shared-B scheme: its blocks (column block × slice of k, in order)
    // and how each is cut into tiles of C.
    private T* _packedB;
    private GemmPackedB? _prepacked;
    private nint _bufferElements;
    private int _tasks, _blocks, _kBlocks, _mcTile, _rowTiles, _columnRanges, _tileCount;
    private GemmBlockProgress[] _state = [];
    private int[] _regionDone = [];

    private GemmParallelJob()
    {
        _batchBody = RunBatchEntry;
        _workerBody = Work;
    }

    /// <summary>
    /// Computes <paramref name="batch"/> products (matrix i at offsets i·stride) with up to
    /// <paramref name="tasks"/> tasks.
    /// </summary>
    /// <param name="problem">The first product.</param>
    /// <param name="batch">How many products.</param>
    /// <param name="strideA">Offset between the A of consecutive products.</param>
    /// <param name="strideB">Offset between the B of consecutive products (0 with <paramref name="packedB"/>).</param>
    /// <param name="strideC">Offset between the C of consecutive products.</param>
    /// <param name="tasks">At most this many tasks.</param>
    /// <param name="packedB">op(B) packed for this kernel (then B is not packed again), or null.</param>
    public static void Run(in GemmProblem<T> problem, int batch, nint strideA, nint strideB, nint strideC, int tasks, GemmPackedB? packedB = null)
    {
        if (batch <= 0 || problem.M == 0 || problem.N == 0) return;
        if (packedB is not null && strideB != 0 && batch > 1)
            throw OpErrors.State("gemm", "a packed B is one matrix shared by the whole batch (stride 0).");
        if (tasks <= 1)
        {
            for (int i = 0; i < batch; i++) GemmDriver<T, TKernel>.Run(problem.Batch(i, strideA, strideB, strideC), packedB);
            return;
        }

        GemmParallelJob<T, TKernel> job = t_job ??= new GemmParallelJob<T, TKernel>();
        job._problem = problem;
        job._prepacked = packedB;
        (job._strideA, job._strideB, job._strideC) = (strideA, strideB, strideC);
        try
        {
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
        finally
        {
            job._prepacked = null;   // the job outlives the call; the packed matrix is its owner's
        }
    }

    private void RunBatchEntry(int index) =>
        GemmDriver<T, TKernel>.Run(_problem.Batch(index, _strideA, _strideB, _strideC), _prepacked);

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
        _columnRanges = Math.Max(1, tiles / _rowTiles);
        _tasks = tasks;
        _kBlocks = (p.K + kcMax - 1) / kcMax;
        _blocks = (p.N + ncMax - 1) / ncMax * _kBlocks;

        // Two packed-B buffers, so that block s + 1 can be packed while block s is still in use.
        nint bufferElements = (nint)Math.Min(kcMax, p.K) * Math.Min(ncMax, GemmDriver<T, TKernel>.RoundUp(p.N, nr));
        bufferElements = (bufferElements + 63) & ~(nint)63;
        _packedB = _prepacked is null ? (T*)GemmWorkspace.Current.PackedB((nuint)(2 * bufferElements * sizeof(T))) : null;
        _bufferElements = bufferElements;

        if (_state.Length < _blocks) _state = new GemmBlockProgress[Math.Max(_blocks, 2 * _state.Length)];
        else Array.Clear(_state, 0, _blocks);
        _tileCount = _rowTiles * _columnRanges;
        if (_regionDone.Length < _tileCount) _regionDone = new int[_tileCount];
        else Array.Clear(_regionDone, 0, _tileCount);

        GemmThreadTeam.Run(tasks, _workerBody);
    }

    /// <summary>
    /// One thread's share of a product: walks the blocks of B in order, helping to pack each one and
    /// then taking tiles of it, with no barrier between blocks. A thread waits only for what it reads:
    /// the packed block before its tiles, the previous slice of k on a tile before accumulating onto
    /// it, and the tiles of block s - 2 before packing into their buffer. Every wait is on work some
    /// running thread has already claimed, so a thread that starts late (or never) holds no one up.
    /// </summary>
    private void Work(int worker)
    {
        ref readonly GemmProblem<T> p = ref _problem;
        int mr = TKernel.Mr, nr = TKernel.Nr, kcMax = GemmDriver<T, TKernel>.Kc, ncMax = GemmDriver<T, TKernel>.Nc;
        T* edge = stackalloc T[TKernel.Mr * TKernel.Nr];
        GemmWorkspace ws = GemmWorkspace.Current;
        GemmBlockProgress[] state = _state;
        for (int s = 0; s < _blocks; s++)
        {
            int jc = s / _kBlocks * ncMax, pc = s % _kBlocks * kcMax;
            int nc = Math.Min(ncMax, p.N - jc), kc = Math.Min(kcMax, p.K - pc);
            int panels = (nc + nr - 1) / nr;
            int panelsPerPack = (panels + _tasks * TilesPerTask - 1) / (_tasks * TilesPerTask);
            int chunks = (panels + panelsPerPack - 1) / panelsPerPack;
            ref GemmBlockProgress block = ref state[s];
            T* packedB;
            if (_prepacked is not null)
            {
                // B is packed already: nothing to pack or wait for but the order of the slices of k.
                packedB = _prepacked.Block<T>(pc, jc);
                chunks = 0;
            }
            else
            {
                packedB = _packedB + (s & 1) * _bufferElements;
            }

            int chunk;
            bool bufferFree = s < 2;
            while (chunks > 0 && (chunk = Interlocked.Increment(ref block.NextChunk) - 1) < chunks)
            {
                if (!bufferFree)
                {
                    WaitUntil(ref state[s - 2].TilesDone, _tileCount);
                    bufferFree = true;
                }

                int j = chunk * panelsPerPack * nr;
                int cols = Math.Min(panelsPerPack * nr, nc - j);
                GemmPacking.PackB(p.TransB, p.B, p.Ldb, pc, jc + j, kc, cols, nr, packedB + (nint)j * kc);
                Interlocked.Increment(ref block.ChunksPacked);
            }

            WaitUntil(ref block.ChunksPacked, chunks);
            T beta = pc == 0 ? p.Beta : T.One;
            // The last block is cut finer across columns, so that the threads finish together.
            int split = s == _blocks - 1 ? LastBlockSplit : 1;
            int ranges = _columnRanges * split, pieces = _tileCount * split, tile;
            while ((tile = Interlocked.Increment(ref block.NextTile) - 1) < pieces)
            {
                // Region r of every block follows region r of the block before: slices of k
                // accumulate onto one region of C in order, and the flag only ever grows.
                int range = tile / _rowTiles, row = tile % _rowTiles, region = range / split * _rowTiles + row;
                WaitUntil(ref _regionDone[region], s);
                int j = range * panels / ranges * nr, cols = Math.Min((range + 1) * panels / ranges * nr, nc) - j;
                if (cols > 0)
                {
                    int ic = row * _mcTile, mc = Math.Min(_mcTile, p.M - ic);
                    T* packedA = (T*)ws.PackedA((nuint)((long)kc * GemmDriver<T, TKernel>.RoundUp(mc, mr) * sizeof(T)));
                    GemmPacking.PackA(p.TransA, p.A, p.Lda, ic, pc, mc, kc, mr, packedA);
                    GemmDriver<T, TKernel>.MacroKernel(mc, cols, kc, p.Alpha, packedA, packedB + (nint)j * kc, beta,
                        p.C + ic * p.Ldc + jc + j, p.Ldc, edge);
                }

                Volatile.Write(ref _regionDone[region], s + 1);
                Interlocked.Increment(ref block.TilesDone);
            }
        }
    }

    /// <summary>Spins (yielding after a while) until <paramref name="counter"/> reaches <paramref name="target"/>.</summary>
    private static void WaitUntil(ref int counter, int target)
    {
        if (Volatile.Read(ref counter) >= target) return;
        SpinWait spin = default;
        while (Volatile.Read(ref counter) < target) spin.SpinOnce(sleep1Threshold: -1);
    }
}
