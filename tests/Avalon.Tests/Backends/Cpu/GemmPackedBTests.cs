using System.Numerics;
using Avalon.Backends.Cpu;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// A product over a B packed beforehand (<see cref="GemmPackedB"/>, <see cref="Gemm.ComputePacked{T}"/>) is
/// bitwise the product that packs as it goes, for every micro-kernel, both precisions, every layout, k
/// below and above a slice (Kc = 256), n off the panel width, fewer rows than the micro-kernel's (the row
/// kernel) and more (the driver), one or several tasks; and a row computed alone over the packed B is
/// bitwise that row of a larger product.
/// </summary>
public unsafe class GemmPackedBTests
{
    /// <summary>(m, n, k): rows below and above Mr (4 / 6), n off every Nr (4, 8, 16, 32), k across the 256-deep slices.</summary>
    private static readonly (int M, int N, int K)[] s_shapes =
    [
        (1, 1, 1), (1, 7, 5), (1, 17, 256), (1, 500, 784), (2, 33, 257), (3, 70, 600), (5, 100, 255),
        (4, 9, 300), (6, 31, 129), (7, 65, 520), (13, 40, 256), (20, 47, 513),
    ];

    private static readonly (bool TransA, bool TransB)[] s_trans = [(false, false), (false, true), (true, false), (true, true)];

    [Theory]
    [MemberData(nameof(GemmTests.Kernels), MemberType = typeof(GemmTests))]
    public void APackedProductIsBitwiseTheProductThatPacksAsItGoesInFloat32(string kernelName) =>
        CheckAll<float>(Enum.Parse<GemmKernelKind>(kernelName), new Random(1));

    [Theory]
    [MemberData(nameof(GemmTests.Kernels), MemberType = typeof(GemmTests))]
    public void APackedProductIsBitwiseTheProductThatPacksAsItGoesInFloat64(string kernelName) =>
        CheckAll<double>(Enum.Parse<GemmKernelKind>(kernelName), new Random(2));

    [Theory]
    [MemberData(nameof(GemmTests.Kernels), MemberType = typeof(GemmTests))]
    public void ARowAloneOverThePackedBIsBitwiseThatRowOfALargerProduct(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernelKind>(kernelName);
        var rng = new Random(3);
        foreach (var (ta, tb) in s_trans)
            foreach (var (n, k) in new[] { (500, 784), (33, 257), (70, 100) })
            {
                RowAlone<float>(kernel, ta, tb, 13, n, k, rng);
                RowAlone<double>(kernel, ta, tb, 9, n, k, rng);
            }
    }

    [Theory]
    [MemberData(nameof(GemmTests.Kernels), MemberType = typeof(GemmTests))]
    public void FewRowsOverALargeBGiveTheSameBitsWithTheColumnsSplitAcrossTasks(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernelKind>(kernelName);
        var rng = new Random(4);
        foreach (var (m, n, k, parts) in new[] { (1, 500, 784, 2), (1, 784, 500, 3), (3, 1000, 300, 7), (2, 130, 1100, 2) })
        {
            SplitColumns<float>(kernel, m, n, k, parts, rng);
            SplitColumns<double>(kernel, m, n, k, parts, rng);
        }
    }

    private static void SplitColumns<T>(GemmKernelKind kernel, int m, int n, int k, int parts, Random rng) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (m >= Gemm.MicroKernelRows<T>(kernel)) return;
        T[] a = Random<T>(rng, m * k), b = Random<T>(rng, k * n), one = new T[m * n], split = new T[m * n];
        var packed = new GemmPackedB();
        fixed (T* pa = a, pb = b, po = one, ps = split)
        {
            packed.Pack(kernel, false, pb, n, k, n);
            GemmSmallRows<T>.Run(kernel, new GemmProblem<T>(false, false, m, n, k, T.One, pa, k, null, 0, T.Zero, po, n), packed, 1);
            GemmSmallRows<T>.Run(kernel, new GemmProblem<T>(false, false, m, n, k, T.One, pa, k, null, 0, T.Zero, ps, n), packed, parts);
        }
        for (int i = 0; i < one.Length; i++)
            Assert.True(Bits(one[i]) == Bits(split[i]), $"{typeof(T).Name} {kernel} m={m} n={n} k={k} parts={parts}: element {i} is {split[i]} split, {one[i]} on one task");
    }

    [Fact]
    public void APackingForAnotherShapeOrKernelIsRefused()
    {
        var packed = new GemmPackedB();
        float[] b = new float[12], a = new float[4], c = new float[3];
        fixed (float* pb = b, pa = a, pc = c)
        {
            packed.Pack(GemmKernelKind.Scalar, false, pb, 3, 4, 3);
            var p = new GemmProblem<float>(false, false, 1, 3, 4, 1f, pa, 4, null, 0, 0f, pc, 3);
            Gemm.ComputePacked(GemmKernelKind.Scalar, 1, p, packed);
            var wider = new GemmProblem<float>(false, false, 1, 2, 4, 1f, pa, 4, null, 0, 0f, pc, 3);
            Assert.Throws<InvalidOperationException>(() => Gemm.ComputePacked(GemmKernelKind.Scalar, 1, wider, packed));
            if (GemmMicroKernel256<float>.IsSupported)
                Assert.Throws<InvalidOperationException>(() => Gemm.ComputePacked(GemmKernelKind.Vector256, 1, p, packed));
        }
    }

    private static void CheckAll<T>(GemmKernelKind kernel, Random rng) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int cases = 0;
        foreach (var (ta, tb) in s_trans)
            foreach (var (m, n, k) in s_shapes)
            {
                int parts = cases % 3 == 0 ? 3 : 1;
                var (alpha, beta) = (cases % 4) switch { 0 => (1.0, 0.0), 1 => (0.5, 0.0), 2 => (1.0, 1.0), _ => (-2.0, 1.0) };
                Compare<T>(kernel, parts, ta, tb, m, n, k, T.CreateChecked(alpha), T.CreateChecked(beta), pad: cases % 3, rng);
                cases++;
            }
        Assert.Equal(4 * s_shapes.Length, cases);
    }

    /// <summary>Runs one product both ways from the same C and asserts equal bits; C's padding stays untouched.</summary>
    private static void Compare<T>(GemmKernelKind kernel, int parts, bool ta, bool tb, int m, int n, int k, T alpha, T beta, int pad, Random rng)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (lda, ldb, ldc) = (ta ? m + pad : k + pad, tb ? k + pad : n + pad, n + pad);
        T[] a = Random<T>(rng, (ta ? k : m) * lda), b = Random<T>(rng, (tb ? n : k) * ldb);
        T[] start = beta == T.Zero ? Enumerable.Repeat(T.NaN, m * ldc).ToArray() : Random<T>(rng, m * ldc);
        T[] expected = (T[])start.Clone(), actual = (T[])start.Clone();
        var packed = new GemmPackedB();
        fixed (T* pa = a, pb = b, pe = expected, pc = actual)
        {
            Gemm.Compute(kernel, parts, new GemmProblem<T>(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pe, ldc), 1, 0, 0, 0);
            packed.Pack(kernel, tb, pb, ldb, k, n);
            Gemm.ComputePacked(kernel, parts, new GemmProblem<T>(ta, false, m, n, k, alpha, pa, lda, null, 0, beta, pc, ldc), packed);
        }
        string what = $"{typeof(T).Name} {kernel} parts={parts} ta={ta} tb={tb} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}";
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Bits(expected[i]) == Bits(actual[i]), $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
        if (beta == T.Zero)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) Assert.False(T.IsNaN(actual[i * ldc + j]), $"{what}: NaN left in C at ({i}, {j})");
    }

    /// <summary>Each row of an m-row product (several tasks, packing as it goes) against the same row alone over the packed B.</summary>
    private static void RowAlone<T>(GemmKernelKind kernel, bool ta, bool tb, int m, int n, int k, Random rng)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (lda, ldb) = (ta ? m : k, tb ? k : n);
        T[] a = Random<T>(rng, (ta ? k : m) * lda), b = Random<T>(rng, (tb ? n : k) * ldb);
        T[] batch = new T[m * n], row = new T[n];
        var packed = new GemmPackedB();
        fixed (T* pa = a, pb = b, pbatch = batch, prow = row)
        {
            Gemm.Compute(kernel, 3, new GemmProblem<T>(ta, tb, m, n, k, T.One, pa, lda, pb, ldb, T.Zero, pbatch, n), 1, 0, 0, 0);
            packed.Pack(kernel, tb, pb, ldb, k, n);
            for (int i = 0; i < m; i++)
            {
                T* ai = ta ? pa + i : pa + i * lda;
                Gemm.ComputePacked(kernel, 1, new GemmProblem<T>(ta, false, 1, n, k, T.One, ai, lda, null, 0, T.Zero, prow, n), packed);
                for (int j = 0; j < n; j++)
                    Assert.True(Bits(batch[i * n + j]) == Bits(row[j]),
                        $"{typeof(T).Name} {kernel} ta={ta} tb={tb} n={n} k={k}: row {i} alone gives {row[j]} at column {j}, the product {batch[i * n + j]}");
            }
        }
    }

    private static long Bits<T>(T x) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? BitConverter.SingleToInt32Bits((float)(object)x) : BitConverter.DoubleToInt64Bits((double)(object)x);

    private static T[] Random<T>(Random rng, int length) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var x = new T[length];
        for (int i = 0; i < length; i++) x[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return x;
    }
}
