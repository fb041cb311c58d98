using System.Numerics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// General matrix multiply on row-major data: C = alpha * op(A) * op(B) + beta * C, where op(A) is
/// m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are the row strides (in elements) of A, B and C
/// as stored (for a transposed operand, of the stored matrix, not of op(X)). When beta is 0, C is
/// overwritten without being read (NaN in C does not propagate); when alpha is 0 or k is 0, A and B
/// are not read.
/// </summary>
/// <remarks>
/// Packed, cache-blocked and multithreaded (see <see cref="GemmDriver{T, TKernel}"/> and
/// <see cref="GemmParallelJob{T, TKernel}"/>); the micro-kernel is the widest the hardware runs:
/// AVX-512, AVX2 + FMA, or scalar.
/// </remarks>
internal static unsafe class Gemm
{
    /// <summary>
    /// Multiply-adds per thread below which another thread costs more than it saves (waking a pool
    /// thread takes tens of microseconds; 2^20 multiply-adds take about that long on one core).
    /// </summary>
    private const long MinWorkPerThread = 1L << 20;

    /// <summary>Single-precision GEMM.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
    {
        Validate("sgemm", transA, transB, m, n, k, lda, ldb, ldc, 1);
        var p = new GemmProblem<float>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Compute(GemmKernelKind.Auto, ChooseThreads(m, n, k, 1), p, 1, 0, 0, 0);
    }

    /// <summary>Double-precision GEMM.</summary>
    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
        double* b, int ldb, double beta, double* c, int ldc)
    {
        Validate("dgemm", transA, transB, m, n, k, lda, ldb, ldc, 1);
        var p = new GemmProblem<double>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Compute(GemmKernelKind.Auto, ChooseThreads(m, n, k, 1), p, 1, 0, 0, 0);
    }

    /// <summary>
    /// Single-precision GEMM over a strided batch: for i in [0, batchCount), the matrices start at
    /// a + i·strideA, b + i·strideB and c + i·strideC (a stride of 0 shares one operand). Small
    /// matrices are spread over threads by batch entry, large ones within each product.
    /// </summary>
    public static void SgemmBatched(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        long strideA, float* b, int ldb, long strideB, float beta, float* c, int ldc, long strideC, int batchCount)
    {
        Validate("sgemm_batched", transA, transB, m, n, k, lda, ldb, ldc, batchCount);
        var p = new GemmProblem<float>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Compute(GemmKernelKind.Auto, ChooseThreads(m, n, k, batchCount), p, batchCount,
            (nint)strideA, (nint)strideB, (nint)strideC);
    }

    /// <summary>Double-precision GEMM over a strided batch; see <see cref="SgemmBatched"/>.</summary>
    public static void DgemmBatched(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
        long strideA, double* b, int ldb, long strideB, double beta, double* c, int ldc, long strideC, int batchCount)
    {
        Validate("dgemm_batched", transA, transB, m, n, k, lda, ldb, ldc, batchCount);
        var p = new GemmProblem<double>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Compute(GemmKernelKind.Auto, ChooseThreads(m, n, k, batchCount), p, batchCount,
            (nint)strideA, (nint)strideB, (nint)strideC);
    }

    /// <summary>
    /// Runs a validated problem with a chosen micro-kernel, split into <paramref name="parts"/> tasks
    /// (at most <see cref="CpuParallel.Threads"/> run at once). Tests use it to reach every kernel and
    /// the multithreaded split on problems of any size.
    /// </summary>
    internal static void Compute<T>(GemmKernelKind kernel, int parts, in GemmProblem<T> p, int batch,
        nint strideA, nint strideB, nint strideC)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (Resolve<T>(kernel))
        {
            case GemmKernelKind.Vector512:
                GemmParallelJob<T, GemmMicroKernel512<T>>.Run(p, batch, strideA, strideB, strideC, parts);
                break;
            case GemmKernelKind.Vector256:
                GemmParallelJob<T, GemmMicroKernel256<T>>.Run(p, batch, strideA, strideB, strideC, parts);
                break;
            default:
                GemmParallelJob<T, GemmMicroKernelScalar<T>>.Run(p, batch, strideA, strideB, strideC, parts);
                break;
        }
    }

    /// <summary>Whether <see cref="MultiplyPacked"/> lets products of few rows over a large packed B split its columns across the threads (benchmarks compare).</summary>
    internal static bool SmallRowsSplit { get; set; } = true;

    /// <summary>
    /// C = alpha · op(A) · B + beta · C over a B packed beforehand (<see cref="GemmPackedB"/>, for the same
    /// kernel), which is not packed again; bitwise the result of <see cref="Compute{T}"/> on the matrix that
    /// was packed. Fewer rows than the micro-kernel's go through <see cref="GemmSmallRows{T}"/>, which splits a
    /// large B's columns into up to <paramref name="parts"/> tasks; more through the driver, split likewise.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="packed"/> does not hold a k×n matrix of <typeparamref name="T"/> for this kernel.</exception>
    internal static void ComputePacked<T>(GemmKernelKind kernel, int parts, in GemmProblem<T> p, GemmPackedB packed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        kernel = Resolve<T>(kernel);
        if (p.M == 0 || p.N == 0) return;
        if (p.K == 0 || p.Alpha == T.Zero)
        {
            GemmDriver<T, GemmMicroKernelScalar<T>>.ScaleC(p);
            return;
        }
        if (!packed.Fits<T>(kernel, p.K, p.N))
            throw OpErrors.State("gemm", $"the packed B holds {packed.K}×{packed.N} for {packed.Kind}; the product needs {p.K}×{p.N} for {kernel}.");
        if (p.M < MicroKernelRows<T>(kernel))
        {
            GemmSmallRows<T>.Run(kernel, p, packed, parts);
            return;
        }
        switch (kernel)
        {
            case GemmKernelKind.Vector512:
                GemmParallelJob<T, GemmMicroKernel512<T>>.Run(p, 1, 0, 0, 0, parts, packed);
                break;
            case GemmKernelKind.Vector256:
                GemmParallelJob<T, GemmMicroKernel256<T>>.Run(p, 1, 0, 0, 0, parts, packed);
                break;
            default:
                GemmParallelJob<T, GemmMicroKernelScalar<T>>.Run(p, 1, 0, 0, 0, parts, packed);
                break;
        }
    }

    /// <summary>
    /// C = op(A) · B (alpha 1, beta 0; ldc = n) over a B packed beforehand for the widest kernel
    /// (<see cref="GemmPackedB.Pack{T}"/> with <see cref="GemmKernelKind.Auto"/>), with the thread count
    /// <see cref="Sgemm"/> would choose.
    /// </summary>
    public static void MultiplyPacked<T>(bool transA, int m, int n, int k, T* a, int lda, GemmPackedB packed, T* c, int ldc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Validate("gemm_packed", transA, false, m, n, k, lda, n, ldc, 1);
        var p = new GemmProblem<T>(transA, false, m, n, k, T.One, a, lda, null, 0, T.Zero, c, ldc);
        // Fewer rows than the micro-kernel's: the count chosen for the multiply-adds would keep the product on one
        // thread, but streaming a large B is the cost there and the cores share it (GemmSmallRows splits only a large B).
        int parts = m < MicroKernelRows<T>(Resolve<T>(GemmKernelKind.Auto)) && SmallRowsSplit ? CpuParallel.Threads : ChooseThreads(m, n, k, 1);
        ComputePacked(GemmKernelKind.Auto, parts, p, packed);
    }

    /// <summary>Columns per packed panel of B for a (resolved) kernel.</summary>
    internal static int PanelWidth<T>(GemmKernelKind kind) where T : unmanaged, IBinaryFloatingPointIeee754<T> => kind switch
    {
        GemmKernelKind.Vector512 => GemmMicroKernel512<T>.Nr,
        GemmKernelKind.Vector256 => GemmMicroKernel256<T>.Nr,
        _ => GemmMicroKernelScalar<T>.Nr,
    };

    /// <summary>Rows of C per micro-kernel call for a (resolved) kernel.</summary>
    internal static int MicroKernelRows<T>(GemmKernelKind kind) where T : unmanaged, IBinaryFloatingPointIeee754<T> => kind switch
    {
        GemmKernelKind.Vector512 => GemmMicroKernel512<T>.Mr,
        GemmKernelKind.Vector256 => GemmMicroKernel256<T>.Mr,
        _ => GemmMicroKernelScalar<T>.Mr,
    };

    /// <summary>The kernel <paramref name="kind"/> stands for on this machine; throws if it cannot run here.</summary>
    internal static GemmKernelKind Resolve<T>(GemmKernelKind kind)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool has512 = GemmMicroKernel512<T>.IsSupported, has256 = GemmMicroKernel256<T>.IsSupported;
        return kind switch
        {
            GemmKernelKind.Auto => has512 ? GemmKernelKind.Vector512 : has256 ? GemmKernelKind.Vector256 : GemmKernelKind.Scalar,
            GemmKernelKind.Vector512 when !has512 => throw new PlatformNotSupportedException(
                "gemm: the Vector512 micro-kernel needs AVX-512, which this CPU (or runtime setting) does not provide."),
            GemmKernelKind.Vector256 when !has256 => throw new PlatformNotSupportedException(
                "gemm: the Vector256 micro-kernel needs AVX2 and FMA, which this CPU (or runtime setting) does not provide."),
            _ => kind,
        };
    }

    /// <summary>How many tasks a problem of this size is worth, at most <see cref="CpuParallel.Threads"/>.</summary>
    internal static int ChooseThreads(int m, int n, int k, int batch)
    {
        long work = (long)m * n * Math.Max(k, 1) * Math.Max(batch, 1);
        return (int)Math.Clamp(work / MinWorkPerThread, 1, CpuParallel.Threads);
    }

    private static void Validate(string op, bool transA, bool transB, int m, int n, int k, int lda, int ldb, int ldc, int batch)
    {
        if (m < 0 || n < 0 || k < 0 || batch < 0)
            throw OpErrors.OutOfRange(op, nameof(m),
                $"sizes must be non-negative, got m={m}, n={n}, k={k}, batch={batch}.");
        CheckStride(op, "A", "lda", transA ? k : m, transA ? m : k, transA, lda);
        CheckStride(op, "B", "ldb", transB ? n : k, transB ? k : n, transB, ldb);
        CheckStride(op, "C", "ldc", m, n, false, ldc);
    }

    private static void CheckStride(string op, string name, string ldName, int rows, int cols, bool trans, int ld)
    {
        // A single stored row never steps by its stride, so any stride is fine there (as in BLAS
        // practice for vectors); otherwise rows must not overlap.
        if (rows > 1 && ld < cols)
            throw OpErrors.OutOfRange(op, ldName,
                $"{ldName}={ld} is smaller than the row length of {name} as stored " +
                $"({rows}×{cols}{(trans ? ", transposed" : "")}); expected {ldName} >= {cols}.");
    }
}
