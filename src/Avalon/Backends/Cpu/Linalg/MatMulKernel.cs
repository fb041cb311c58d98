using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Linalg;

/// <summary>
/// Batched, broadcasting matrix product on the CPU through <see cref="Gemm"/>. Operands are read in
/// place when either of their last two dims has unit stride (as a plain or transposed matrix); a batch
/// of a dense left operand times a shared right matrix is folded into one large GEMM. The GEMM writes
/// straight into the output buffer it is given (at the buffer's offset), with no intermediate copy.
/// </summary>
internal static unsafe class MatMulKernel
{
    /// <summary>The kernel: <c>outputs[0]</c> (dense, of the broadcast batch shape by m x n) = a @ b.</summary>
    public static readonly Kernel MatMul = (inputs, _, outputs) => Run(inputs[0], inputs[1], outputs[0]);

    /// <summary>Writes a @ b into the dense tensor <paramref name="output"/> (every element, from its offset).</summary>
    public static void Run(Tensor a, Tensor b, Tensor output) => Run(a, b, output, null);

    /// <summary>
    /// Writes a @ b into <paramref name="output"/>; with <paramref name="packedB"/>, a 2-D <paramref name="b"/>
    /// is read from its packed copy when that holds this matrix (see <see cref="PackedRightOperand"/>).
    /// Bitwise the same result either way.
    /// </summary>
    public static void Run(Tensor a, Tensor b, Tensor output, PackedRightOperand? packedB)
    {
        int rank = output.Rank;
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        if (output.Numel == 0) return;
        if (k == 0)
        {
            CpuBackend.Instance.Fill(output, 0);   // an empty sum: zeros
            return;
        }

        // Every GEMM below runs with beta 0, so it writes every element of its block of the output.
        // Fold: a dense [..., m, k] times a 2-D b is one (batch*m) x k by k x n product.
        if (b.Rank == 2 && a.IsContiguous && a.Rank > 2)
        {
            b = Operand(b);
            Multiply(a, a.Offset, false, k, b, b.Offset, output, output.Offset, a.Numel / k, n, k, packedB);
            return;
        }

        a = Operand(a);
        b = Operand(b);
        if (rank == 2)
        {
            // One product: no batch index to walk (and nothing allocated).
            var (t2, ld2) = Layout(a);
            Multiply(a, a.Offset, t2, ld2, b, b.Offset, output, output.Offset, m, n, k, packedB);
            return;
        }
        var batchShape = output.Shape.Dims[..(rank - 2)];
        var sa = BatchStrides(a, batchShape);
        var sb = BatchStrides(b, batchShape);
        var (ta, lda) = Layout(a);
        int batches = ShapeUtil.Numel(batchShape);
        var index = new int[batchShape.Length];
        for (int bi = 0; bi < batches; bi++)
        {
            int offA = a.Offset, offB = b.Offset;
            for (int d = 0; d < index.Length; d++)
            {
                offA += index[d] * sa[d];
                offB += index[d] * sb[d];
            }
            Multiply(a, offA, ta, lda, b, offB, output, output.Offset + bi * m * n, m, n, k);
            for (int d = index.Length - 1; d >= 0; d--)
            {
                if (++index[d] < batchShape[d]) break;
                index[d] = 0;
            }
        }
    }

    private static void Multiply(Tensor a, int offA, bool ta, int lda, Tensor b, int offB, Tensor c, int offC, int m, int n, int k,
        PackedRightOperand? packedB = null)
    {
        var (tb, ldb) = Layout(b);
        // Deliberately specialised (not DTypeDispatch's visitor): SGEMM and DGEMM are separate pointer-based routines.
        switch (c.DType)
        {
            case DType.Float32:
                fixed (float* pa = a.CpuSpan<float>(), pb = b.CpuSpan<float>(), pc = c.CpuSpan<float>())
                {
                    if (packedB?.For(b, tb, ldb, k, n, pb + offB) is { } packed)
                        Gemm.MultiplyPacked(ta, m, n, k, pa + offA, lda, packed, pc + offC, n);
                    else
                        Gemm.Sgemm(ta, tb, m, n, k, 1f, pa + offA, lda, pb + offB, ldb, 0f, pc + offC, n);
                }
                break;
            case DType.Float64:
                fixed (double* pa = a.CpuSpan<double>(), pb = b.CpuSpan<double>(), pc = c.CpuSpan<double>())
                {
                    if (packedB?.For(b, tb, ldb, k, n, pb + offB) is { } packed)
                        Gemm.MultiplyPacked(ta, m, n, k, pa + offA, lda, packed, pc + offC, n);
                    else
                        Gemm.Dgemm(ta, tb, m, n, k, 1.0, pa + offA, lda, pb + offB, ldb, 0.0, pc + offC, n);
                }
                break;
            default:
                throw DTypeDispatch.Unsupported("matmul", c.DType, DTypeDispatch.FloatingTypes);
        }
    }

    // A matrix operand is usable in place when it is a row-major or column-major matrix with a valid leading dimension.
    private static Tensor Operand(Tensor t) => TryLayout(t) is null ? t.ContiguousNoGrad() : t;

    private static (bool Transposed, int Ld) Layout(Tensor t) =>
        TryLayout(t) ?? throw OpErrors.State("matmul", "operand layout not normalised.");

    private static (bool Transposed, int Ld)? TryLayout(Tensor t)
    {
        var s = t.StridesInternal;
        var d = t.Shape.Dims;
        int r = t.Rank;
        int rows = d[r - 2], cols = d[r - 1];
        if ((cols <= 1 || s[r - 1] == 1) && (rows <= 1 || s[r - 2] >= cols))
            return (false, rows <= 1 ? Math.Max(cols, 1) : s[r - 2]);
        if ((rows <= 1 || s[r - 2] == 1) && (cols <= 1 || s[r - 1] >= rows))
            return (true, cols <= 1 ? Math.Max(rows, 1) : s[r - 1]);
        return null;
    }

    private static int[] BatchStrides(Tensor t, int[] batchShape)
    {
        var dims = t.Shape.Dims[..(t.Rank - 2)];
        var strides = t.StridesInternal[..(t.Rank - 2)];
        return ShapeUtil.BroadcastStrides(dims, strides, batchShape);
    }
}
