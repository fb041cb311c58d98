using System.Numerics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// The operands of one row-major GEMM, C = alpha * op(A) * op(B) + beta * C, with op(A) m×k and
/// op(B) k×n. Leading dimensions are the row strides of the matrices as stored.
/// </summary>
internal readonly unsafe struct GemmProblem<T>(
    bool transA, bool transB, int m, int n, int k, T alpha, T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public readonly bool TransA = transA;
    public readonly bool TransB = transB;
    public readonly int M = m;
    public readonly int N = n;
    public readonly int K = k;
    public readonly T Alpha = alpha;
    public readonly T* A = a;
    public readonly nint Lda = lda;
    public readonly T* B = b;
    public readonly nint Ldb = ldb;
    public readonly T Beta = beta;
    public readonly T* C = c;
    public readonly nint Ldc = ldc;

    /// <summary>The same product restricted to rows [i0, i0 + rows) of C.</summary>
    public GemmProblem<T> Rows(int i0, int rows) =>
        new(TransA, TransB, rows, N, K, Alpha, TransA ? A + i0 : A + i0 * Lda, Lda, B, Ldb, Beta, C + i0 * Ldc, Ldc);

    /// <summary>The same product restricted to columns [j0, j0 + cols) of C.</summary>
    public GemmProblem<T> Columns(int j0, int cols) =>
        new(TransA, TransB, M, cols, K, Alpha, A, Lda, TransB ? B + j0 * Ldb : B + j0, Ldb, Beta, C + j0, Ldc);

    /// <summary>The problem shifted to another matrix of a strided batch.</summary>
    public GemmProblem<T> Batch(int index, nint strideA, nint strideB, nint strideC) =>
        new(TransA, TransB, M, N, K, Alpha, A + index * strideA, Lda, B + index * strideB, Ldb, Beta, C + index * strideC, Ldc);
}
