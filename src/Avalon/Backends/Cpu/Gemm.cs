namespace Avalon.Backends.Cpu;

/// <summary>
/// General matrix multiply on row-major data: C = alpha * op(A) * op(B) + beta * C, where op(A) is
/// m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are the row strides (in elements) of A, B and C
/// as stored (for a transposed operand, of the stored matrix, not of op(X)).
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>Single-precision GEMM.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            float acc = 0;
            for (int p = 0; p < k; p++)
                acc += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
            float* cij = c + (long)i * ldc + j;
            *cij = beta == 0 ? alpha * acc : alpha * acc + beta * *cij;
        }
    }

    /// <summary>Double-precision GEMM.</summary>
    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
        double* b, int ldb, double beta, double* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double acc = 0;
            for (int p = 0; p < k; p++)
                acc += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
            double* cij = c + (long)i * ldc + j;
            *cij = beta == 0 ? alpha * acc : alpha * acc + beta * *cij;
        }
    }
}
