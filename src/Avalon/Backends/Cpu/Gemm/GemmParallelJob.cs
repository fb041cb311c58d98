using System.Numerics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Spreads a (possibly batched) GEMM over <see cref="CpuParallel"/>: whole matrices of the batch when
/// there are enough of them, otherwise each matrix is cut into independent column (or row) slices
/// aligned to the micro-kernel, each slice packed and computed by one thread with its own workspace.
/// Every element of C sees the same sequence of operations whatever the split, so results do not
/// depend on the thread count. One job object per calling thread, with a cached delegate, keeps
/// repeated calls allocation-free.
/// </summary>
internal sealed unsafe class GemmParallelJob<T, TKernel>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    [ThreadStatic]
    private static GemmParallelJob<T, TKernel>? t_job;

    private readonly Action<int> _body;
    private GemmProblem<T> _problem;
    private nint _strideA, _strideB, _strideC;
    private int _slices, _chunk;
    private bool _splitColumns;

    private GemmParallelJob() => _body = RunPart;

    /// <summary>
    /// Computes <paramref name="batch"/> products (matrix i at offsets i·stride) as about
    /// <paramref name="parts"/> independent tasks.
    /// </summary>
    public static void Run(in GemmProblem<T> problem, int batch, nint strideA, nint strideB, nint strideC, int parts)
    {
        if (batch <= 0 || problem.M == 0 || problem.N == 0) return;
        if (parts <= 1)
        {
            for (int i = 0; i < batch; i++) GemmDriver<T, TKernel>.Run(problem.Batch(i, strideA, strideB, strideC));
            return;
        }

        GemmParallelJob<T, TKernel> job = t_job ??= new GemmParallelJob<T, TKernel>();
        job._problem = problem;
        (job._strideA, job._strideB, job._strideC) = (strideA, strideB, strideC);
        job._splitColumns = problem.N >= problem.M;
        int extent = job._splitColumns ? problem.N : problem.M;
        int granule = job._splitColumns ? TKernel.Nr : TKernel.Mr;
        int slices = batch >= parts ? 1 : (parts + batch - 1) / batch;
        int chunk = RoundUp((extent + slices - 1) / slices, granule);
        job._chunk = chunk;
        job._slices = (extent + chunk - 1) / chunk;
        CpuParallel.For(batch * job._slices, job._body);
    }

    private void RunPart(int index)
    {
        GemmProblem<T> p = _problem.Batch(index / _slices, _strideA, _strideB, _strideC);
        int start = index % _slices * _chunk;
        if (_splitColumns)
            GemmDriver<T, TKernel>.Run(p.Columns(start, Math.Min(_chunk, p.N - start)));
        else
            GemmDriver<T, TKernel>.Run(p.Rows(start, Math.Min(_chunk, p.M - start)));
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
