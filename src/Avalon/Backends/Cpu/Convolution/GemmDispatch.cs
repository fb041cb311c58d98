namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Calls <see cref="Gemm.Sgemm"/> or <see cref="Gemm.Dgemm"/> for a generic element type, so the
/// convolution kernels are written once. The type test is resolved by the JIT per instantiation.
/// </summary>
internal static unsafe class GemmDispatch
{
    /// <summary>
    /// Row-major C = op(A)·op(B) (+ C when <paramref name="accumulate"/>); op(A) is m×k, op(B) k×n, C m×n.
    /// Without accumulation C is only written, never read. With <paramref name="serial"/> the product runs on
    /// the calling thread alone: the caller is itself one of several parallel tasks, and a nested split would
    /// only add synchronisation. Otherwise the GEMM picks its own thread count.
    /// </summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k, T* a, int lda, T* b, int ldb,
        bool accumulate, T* c, int ldc, bool serial = false) where T : unmanaged
    {
        if (m == 0 || n == 0) return;
        if (typeof(T) == typeof(float))
        {
            if (serial)
                Gemm.Compute(GemmKernelKind.Auto, 1,
                    new GemmProblem<float>(transA, transB, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, accumulate ? 1f : 0f, (float*)c, ldc),
                    1, 0, 0, 0);
            else
                Gemm.Sgemm(transA, transB, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, accumulate ? 1f : 0f, (float*)c, ldc);
        }
        else if (typeof(T) == typeof(double))
        {
            if (serial)
                Gemm.Compute(GemmKernelKind.Auto, 1,
                    new GemmProblem<double>(transA, transB, m, n, k, 1d, (double*)a, lda, (double*)b, ldb, accumulate ? 1d : 0d, (double*)c, ldc),
                    1, 0, 0, 0);
            else
                Gemm.Dgemm(transA, transB, m, n, k, 1d, (double*)a, lda, (double*)b, ldb, accumulate ? 1d : 0d, (double*)c, ldc);
        }
        else
            throw OpErrors.NotSupported("GEMM", $"element type {typeof(T).Name} is not supported; expected float or double.");
    }
}
