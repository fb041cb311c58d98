using Avalon.Backends.Cpu;

namespace Avalon.Tests.Backends.Cpu;

public unsafe class GemmTests
{
    /// <summary>Every micro-kernel this machine runs, by <see cref="GemmKernelKind"/> name.</summary>
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string> { nameof(GemmKernelKind.Scalar) };
        if (GemmMicroKernel256<float>.IsSupported) data.Add(nameof(GemmKernelKind.Vector256));
        if (GemmMicroKernel512<float>.IsSupported) data.Add(nameof(GemmKernelKind.Vector512));
        return data;
    }

    /// <summary>Sizes around every micro-kernel edge (Mr 4/6, Nr 4/8/16/32) plus 0 and 1.</summary>
    private static readonly int[] s_sizes = [0, 1, 2, 3, 5, 6, 7, 8, 9, 12, 13, 15, 16, 17, 31, 32, 33, 47, 64, 70];

    private static readonly (bool TransA, bool TransB)[] s_trans = [(false, false), (false, true), (true, false), (true, true)];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void SingleMatchesReferenceOnOddShapes(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernelKind>(kernelName);
        var rng = new Random(1);
        int cases = 0;
        foreach (var (ta, tb) in s_trans)
        for (int si = 0; si < s_sizes.Length; si++)
        {
            // A spread of (m, n, k) triples without the full cube: each size meets several others.
            int m = s_sizes[si], n = s_sizes[(si * 7 + 3) % s_sizes.Length], k = s_sizes[(si * 11 + 5) % s_sizes.Length];
            CheckSingle(kernel, 1, ta, tb, m, n, k, 1f, 0f, pad: 0, rng);
            CheckSingle(kernel, 2, ta, tb, n, k, m, 0.5f, -1.5f, pad: 3, rng);
            cases += 2;
        }

        Assert.Equal(4 * s_sizes.Length * 2, cases);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void SingleMatchesReferenceOnEveryEdgeUpToSeventy(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernelKind>(kernelName);
        var rng = new Random(2);
        for (int s = 1; s <= 70; s++)
            CheckSingle(kernel, s % 2 + 1, s % 3 == 0, s % 4 == 1, s, 71 - s, (s * 5) % 70 + 1, 1.25f, s % 2 == 0 ? 0f : 0.75f, pad: s % 3, rng);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void DoubleMatchesReferenceOnOddShapes(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernelKind>(kernelName);
        var rng = new Random(3);
        foreach (var (ta, tb) in s_trans)
        for (int si = 0; si < s_sizes.Length; si++)
        {
            int m = s_sizes[si], n = s_sizes[(si * 7 + 3) % s_sizes.Length], k = s_sizes[(si * 11 + 5) % s_sizes.Length];
            CheckDouble(kernel, 1, ta, tb, m, n, k, 1, 0, pad: 1, rng);
            CheckDouble(kernel, 2, ta, tb, k, m, n, -2, 0.25, pad: 0, rng);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void LargeProblemsCrossEveryCacheBlock(bool transA, bool transB)
    {
        // k > Kc (256) exercises accumulation across k slices; m > Mc and odd sizes exercise block edges.
        var rng = new Random(4);
        foreach (GemmKernelKind kernel in new[] { GemmKernelKind.Auto, GemmKernelKind.Scalar })
        {
            CheckSingle(kernel, 2, transA, transB, 300, 257, 129, 1f, 0f, pad: 5, rng);
            CheckSingle(kernel, 1, transA, transB, 97, 45, 600, 0.5f, 2f, pad: 0, rng);
            CheckDouble(kernel, 2, transA, transB, 257, 300, 520, 1, 1, pad: 2, rng);
        }
    }

    [Fact]
    public void PublicEntryPointsMatchReferenceWithLeadingDimensionsAndNaNInC()
    {
        var rng = new Random(5);
        int saved = CpuParallel.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                CpuParallel.Threads = threads;
                foreach (var (ta, tb) in s_trans)
                {
                    CheckSingle(null, 0, ta, tb, 130, 150, 170, 1f, 0f, pad: 4, rng);
                    CheckSingle(null, 0, ta, tb, 13, 21, 9, -1f, 0.5f, pad: 0, rng);
                    CheckDouble(null, 0, ta, tb, 140, 120, 90, 0.5f, 0, pad: 3, rng);
                }
            }
        }
        finally
        {
            CpuParallel.Threads = saved;
        }
    }

    /// <summary>
    /// One row (a batch-1 linear layer) through the public entry points: every layout, k and n across the
    /// vector widths and their tails, alpha and beta, padded leading dimensions, NaN in C when beta is 0.
    /// </summary>
    [Fact]
    public void ASingleRowMatchesReferenceForEveryLayout()
    {
        var rng = new Random(8);
        foreach (var (ta, tb) in s_trans)
            foreach (int k in new[] { 1, 3, 4, 5, 16, 33, 70, 784 })
                foreach (int n in new[] { 1, 7, 16, 17, 40, 500 })
                {
                    CheckSingle(null, 0, ta, tb, 1, n, k, 1f, 0f, pad: 0, rng);
                    CheckSingle(null, 0, ta, tb, 1, n, k, -0.5f, 0f, pad: 3, rng);
                    CheckSingle(null, 0, ta, tb, 1, n, k, 2f, 0.5f, pad: 1, rng);
                    CheckDouble(null, 0, ta, tb, 1, n, k, 1.5, 0, pad: 2, rng);
                    CheckDouble(null, 0, ta, tb, 1, n, k, 1, -1, pad: 0, rng);
                }
    }

    /// <summary>
    /// A row computed alone equals, bit for bit, the same row computed inside a product of many rows (so
    /// a batch-1 prediction gives the numbers of that image in a batch): every layout, k across the GEMM's
    /// k blocks of 256, n across the vector widths and their tails.
    /// </summary>
    [Fact]
    public void ASingleRowIsBitwiseThatRowOfALargerProduct()
    {
        var rng = new Random(9);
        foreach (var (ta, tb) in s_trans)
            foreach (int k in new[] { 1, 7, 9, 256, 257, 600, 784 })
                foreach (int n in new[] { 1, 5, 8, 17, 40, 500 })
                {
                    int m = 13, row = 11;
                    var (lda, ldb) = (ta ? m : k, tb ? k : n);
                    float[] a = Random(rng, m * k), b = Random(rng, k * n), whole = new float[m * n], single = new float[n];
                    double[] ad = Array.ConvertAll(a, v => (double)v), bd = Array.ConvertAll(b, v => (double)v), wholeD = new double[m * n], singleD = new double[n];
                    fixed (float* pa = a, pb = b, pw = whole, ps = single)
                    {
                        Gemm.Sgemm(ta, tb, m, n, k, 1f, pa, lda, pb, ldb, 0f, pw, n);
                        // Row `row` of op(A): a row of the stored A, or (transposed) its column, which a stride-1 row must be: copy it.
                        float[] x = new float[k];
                        for (int q = 0; q < k; q++) x[q] = ta ? a[q * lda + row] : a[row * lda + q];
                        fixed (float* px = x) Gemm.Sgemm(false, tb, 1, n, k, 1f, px, k, pb, ldb, 0f, ps, n);
                    }
                    fixed (double* pa = ad, pb = bd, pw = wholeD, ps = singleD)
                    {
                        Gemm.Dgemm(ta, tb, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, pw, n);
                        double[] x = new double[k];
                        for (int q = 0; q < k; q++) x[q] = ta ? ad[q * lda + row] : ad[row * lda + q];
                        fixed (double* px = x) Gemm.Dgemm(false, tb, 1, n, k, 1.0, px, k, pb, ldb, 0.0, ps, n);
                    }
                    Assert.True(whole.AsSpan(row * n, n).SequenceEqual(single), $"float ta={ta} tb={tb} k={k} n={n}");
                    Assert.True(wholeD.AsSpan(row * n, n).SequenceEqual(singleD), $"double ta={ta} tb={tb} k={k} n={n}");
                }
    }

    [Fact]
    public void ASingleRowPropagatesInfinityAndNaNOnlyWhereTheyAre()
    {
        // Zero padding of the packed panels must not meet the operands: an infinity in the last row of B reaches only the columns it is in.
        int k = 5, n = 20;
        float[] a = [1, 2, 3, 4, 0.5f], b = new float[k * n], c = new float[n];
        for (int i = 0; i < b.Length; i++) b[i] = 1;
        b[(k - 1) * n + 3] = float.PositiveInfinity;
        b[(k - 1) * n + 17] = float.NaN;
        fixed (float* pa = a, pb = b, pc = c)
            Gemm.Sgemm(false, false, 1, n, k, 1f, pa, k, pb, n, 0f, pc, n);
        for (int j = 0; j < n; j++)
        {
            if (j == 3) Assert.Equal(float.PositiveInfinity, c[j]);
            else if (j == 17) Assert.True(float.IsNaN(c[j]));
            else Assert.Equal(10.5f, c[j]);
        }
    }

    [Fact]
    public void ResultDoesNotDependOnThreadSplit()
    {
        var rng = new Random(6);
        foreach (var (m, n) in new[] { (200, 90), (90, 200) })
        {
            int k = 300;
            float[] a = Random(rng, m * k), b = Random(rng, k * n);
            float[] c1 = new float[m * n], c3 = new float[m * n];
            fixed (float* pa = a, pb = b, p1 = c1, p3 = c3)
            {
                Gemm.Compute(GemmKernelKind.Auto, 1, new GemmProblem<float>(false, false, m, n, k, 1f, pa, k, pb, n, 0f, p1, n), 1, 0, 0, 0);
                Gemm.Compute(GemmKernelKind.Auto, 3, new GemmProblem<float>(false, false, m, n, k, 1f, pa, k, pb, n, 0f, p3, n), 1, 0, 0, 0);
            }

            Assert.Equal(c1, c3);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void WideProductsSplitAcrossThreadsMatchOneThread(bool transA, bool transB)
    {
        // n > 4096 spans several column blocks of B and k > 256 several depth slices: the shared-B
        // schedule must add the slices in the same order whatever the split.
        var rng = new Random(11);
        int m = 13, n = 9000, k = 600;
        float[] a = Random(rng, m * k), b = Random(rng, k * n);
        int lda = transA ? m : k, ldb = transB ? k : n;
        foreach (int parts in new[] { 2, 3, 5 })
        {
            float[] c1 = new float[m * n], cp = new float[m * n];
            fixed (float* pa = a, pb = b, p1 = c1, pp = cp)
            {
                Gemm.Compute(GemmKernelKind.Auto, 1, new GemmProblem<float>(transA, transB, m, n, k, 1f, pa, lda, pb, ldb, 0f, p1, n), 1, 0, 0, 0);
                Gemm.Compute(GemmKernelKind.Auto, parts, new GemmProblem<float>(transA, transB, m, n, k, 1f, pa, lda, pb, ldb, 0f, pp, n), 1, 0, 0, 0);
            }
            Assert.Equal(c1, cp);
        }
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(0f, 1f)]
    [InlineData(2f, 0f)]
    [InlineData(0f, -3f)]
    public void ZeroDepthOrZeroAlphaOnlyScalesC(float alpha, float beta)
    {
        // k = 0 (alpha 2) or alpha = 0: C = beta * C, and beta = 0 clears NaN.
        int m = 5, n = 7, k = alpha == 0 ? 4 : 0;
        float[] a = new float[m * Math.Max(k, 1)], b = new float[Math.Max(k, 1) * n];
        float[] c = Enumerable.Range(0, m * n).Select(i => i == 3 ? float.NaN : i + 1f).ToArray();
        float[] expected = c.Select(v => beta == 0 ? 0f : beta * v).ToArray();
        fixed (float* pa = a, pb = b, pc = c)
            Gemm.Sgemm(false, false, m, n, k, alpha, pa, Math.Max(k, 1), pb, n, beta, pc, n);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void BatchedMatchesPerMatrixReference()
    {
        var rng = new Random(7);
        int saved = CpuParallel.Threads;
        try
        {
            CpuParallel.Threads = 2;
            // tasks 0: the public entry point (which keeps small batches on one thread); 2 and 3
            // force whole-matrix tasks (batch >= tasks) or split matrices (batch < tasks).
            foreach (int tasks in new[] { 0, 2, 3 })
            foreach (var (batch, m, n, k) in new[] { (5, 7, 9, 11), (2, 70, 65, 40), (1, 150, 140, 130) })
            {
                long strideA = m * k + 3, strideC = m * n + 1;
                float[] a = Random(rng, (int)(strideA * batch)), b = Random(rng, k * n);
                float[] c = Random(rng, (int)(strideC * batch));
                float[] c0 = (float[])c.Clone();
                fixed (float* pa = a, pb = b, pc = c)
                {
                    if (tasks == 0)
                        Gemm.SgemmBatched(false, true, m, n, k, 1.5f, pa, k, strideA, pb, k, 0, -0.5f, pc, n, strideC, batch);
                    else
                        Gemm.Compute(GemmKernelKind.Auto, tasks, new GemmProblem<float>(false, true, m, n, k, 1.5f, pa, k, pb, k, -0.5f, pc, n),
                            batch, (nint)strideA, 0, (nint)strideC);
                }

                for (int i = 0; i < batch; i++)
                {
                    double[] expected = Reference(false, true, m, n, k, 1.5, a.AsSpan((int)(i * strideA)), k, b, k, -0.5,
                        c0.AsSpan((int)(i * strideC)), n);
                    AssertClose(expected, c.AsSpan((int)(i * strideC)), n, m, n, k, 1e-6, "batched");
                }
            }
        }
        finally
        {
            CpuParallel.Threads = saved;
        }
    }

    [Fact]
    public void StrideSmallerThanRowIsRejectedWithShapes()
    {
        float[] x = new float[64];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            fixed (float* p = x) Gemm.Sgemm(false, true, 4, 4, 4, 1f, p, 4, p, 3, 0f, p, 4);
        });
        Assert.Contains("ldb=3", ex.Message);
        Assert.Contains("4×4, transposed", ex.Message);
    }

    /// <summary>
    /// Runs one float case and compares with the float64 reference. kernel null means the public
    /// entry point. pad widens every stored row beyond its logical width; C starts as NaN when beta is
    /// 0 (it must be overwritten, not scaled) and padding of C must stay untouched.
    /// </summary>
    private static void CheckSingle(GemmKernelKind? kernel, int parts, bool ta, bool tb, int m, int n, int k,
        float alpha, float beta, int pad, Random rng)
    {
        var (lda, ldb, ldc) = (ta ? m + pad : k + pad, tb ? k + pad : n + pad, n + pad);
        float[] a = Random(rng, (ta ? k : m) * lda), b = Random(rng, (tb ? n : k) * ldb);
        float[] c = beta == 0 ? Enumerable.Repeat(float.NaN, m * ldc).ToArray() : Random(rng, m * ldc);
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) c[i * ldc + j] = 42f;
        double[] expected = Reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (kernel is { } kind)
                Gemm.Compute(kind, parts, new GemmProblem<float>(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc), 1, 0, 0, 0);
            else
                Gemm.Sgemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }

        string what = $"sgemm {kernel?.ToString() ?? "public"} parts={parts} ta={ta} tb={tb} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}";
        AssertClose(expected, c, ldc, m, n, k, 2e-6, what);
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) Assert.True(c[i * ldc + j] == 42f, $"{what}: padding of C changed at ({i}, {j})");
    }

    private static void CheckDouble(GemmKernelKind? kernel, int parts, bool ta, bool tb, int m, int n, int k,
        double alpha, double beta, int pad, Random rng)
    {
        var (lda, ldb, ldc) = (ta ? m + pad : k + pad, tb ? k + pad : n + pad, n + pad);
        double[] a = RandomDouble(rng, (ta ? k : m) * lda), b = RandomDouble(rng, (tb ? n : k) * ldb);
        double[] c = beta == 0 ? Enumerable.Repeat(double.NaN, m * ldc).ToArray() : RandomDouble(rng, m * ldc);
        double[] expected = Reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        fixed (double* pa = a, pb = b, pc = c)
        {
            if (kernel is { } kind)
                Gemm.Compute(kind, parts, new GemmProblem<double>(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc), 1, 0, 0, 0);
            else
                Gemm.Dgemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }

        string what = $"dgemm {kernel?.ToString() ?? "public"} parts={parts} ta={ta} tb={tb} m={m} n={n} k={k} alpha={alpha} beta={beta}";
        AssertClose(expected, c, ldc, m, n, k, 1e-14, what);
    }

    /// <summary>Naive float64 C = alpha·op(A)·op(B) + beta·C (beta 0: C ignored) over strided storage.</summary>
    private static double[] Reference<T>(bool ta, bool tb, int m, int n, int k, double alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, double beta, ReadOnlySpan<T> c, int ldc)
        where T : unmanaged, IConvertible
    {
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double acc = 0;
            for (int p = 0; p < k; p++)
                acc += a[ta ? p * lda + i : i * lda + p].ToDouble(null) * b[tb ? j * ldb + p : p * ldb + j].ToDouble(null);
            r[i * n + j] = alpha * acc + (beta == 0 ? 0 : beta * c[i * ldc + j].ToDouble(null));
        }

        return r;
    }

    /// <summary>|got - expected| ≤ eps·(k + 2)·(|alpha|·Σ|a||b| + |beta·c|) bound, here with values in [-1, 1].</summary>
    private static void AssertClose<T>(double[] expected, ReadOnlySpan<T> got, int ldc, int m, int n, int k, double eps, string what)
        where T : unmanaged, IConvertible
    {
        double tol = eps * (k + 4) * 4;
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double g = got[i * ldc + j].ToDouble(null), e = expected[i * n + j];
            Assert.False(double.IsNaN(g), $"{what}: NaN at ({i}, {j})");
            Assert.True(Math.Abs(g - e) <= tol * Math.Max(1, Math.Abs(e)), $"{what}: at ({i}, {j}) expected {e}, got {g}");
        }
    }

    private static float[] Random(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static double[] RandomDouble(Random rng, int length)
    {
        var x = new double[length];
        for (int i = 0; i < length; i++) x[i] = rng.NextDouble() * 2 - 1;
        return x;
    }
}
