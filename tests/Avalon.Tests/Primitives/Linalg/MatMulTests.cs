namespace Avalon.Tests.Primitives.Linalg;

public class MatMulTests
{
    // Naive float64 reference of torch.matmul for rank ≥ 1 operands.
    private static (double[] Data, int[] Shape) Reference(Tensor a, Tensor b)
    {
        var ad = a.ToDoubleArray();
        var bd = b.ToDoubleArray();
        int[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape.ToArray();
        int[] sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape.ToArray();
        int m = sa[^2], k = sa[^1], n = sb[^1];
        var batchA = sa[..^2];
        var batchB = sb[..^2];
        int rank = Math.Max(batchA.Length, batchB.Length);
        var batch = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - batchA.Length) >= 0 ? batchA[i - (rank - batchA.Length)] : 1;
            int db = i - (rank - batchB.Length) >= 0 ? batchB[i - (rank - batchB.Length)] : 1;
            batch[i] = Math.Max(da, db);
        }
        int batches = batch.Aggregate(1, (x, y) => x * y);
        var result = new double[batches * m * n];
        for (int bi = 0; bi < batches; bi++)
        {
            var idx = new int[rank];
            int rem = bi;
            for (int d = rank - 1; d >= 0; d--) { idx[d] = rem % batch[d]; rem /= batch[d]; }
            int offA = Offset(idx, batchA) * m * k, offB = Offset(idx, batchB) * k * n;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += ad[offA + i * k + p] * bd[offB + p * n + j];
                result[bi * m * n + i * n + j] = acc;
            }
        }
        var shape = new List<int>(batch);
        if (a.Rank > 1) shape.Add(m);
        if (b.Rank > 1) shape.Add(n);
        return (result, shape.ToArray());
    }

    private static int Offset(int[] idx, int[] shape)
    {
        int off = 0, lead = idx.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++) off = off * shape[d] + (shape[d] == 1 ? 0 : idx[d + lead]);
        return off;
    }

    public static IEnumerable<object[]> Shapes() =>
    [
        [new[] { 3 }, new[] { 3 }],
        [new[] { 1, 1 }, new[] { 1, 1 }],
        [new[] { 2, 3 }, new[] { 3, 4 }],
        [new[] { 17, 33 }, new[] { 33, 9 }],
        [new[] { 5 }, new[] { 5, 7 }],
        [new[] { 4, 5 }, new[] { 5 }],
        [new[] { 2, 3, 4 }, new[] { 4, 5 }],
        [new[] { 2, 1, 3, 4 }, new[] { 3, 4, 2 }],
        [new[] { 4 }, new[] { 2, 4, 3 }],
        [new[] { 0, 3 }, new[] { 3, 2 }],
        [new[] { 2, 0 }, new[] { 0, 3 }],
        [new[] { 2, 3, 4 }, new[] { 2, 4, 1 }],
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesNaiveReference(int[] shapeA, int[] shapeB)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = Tensor.Randn(shapeA, new Generator(1), dtype);
            var b = Tensor.Randn(shapeB, new Generator(2), dtype);
            var (expected, shape) = Reference(a, b);
            var c = a.MatMul(b);
            Assert.Equal(shape, c.Shape.ToArray());
            Assert.Equal(dtype, c.DType);
            var actual = c.ToDoubleArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= (dtype == DType.Float32 ? 1e-4 : 1e-12) * (1 + Math.Abs(expected[i])), $"element {i}: {expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void NonContiguousOperandsMatchDenseOnes()
    {
        var a = Tensor.Randn([6, 5], new Generator(3));
        var b = Tensor.Randn([7, 6], new Generator(4));
        var strided = Tensor.Randn([5, 14], new Generator(5)).Slice(1, 0, 14, 2); // [5,7], row stride 14, col stride 2
        Assert.Equal(a.T.Contiguous().MatMul(b.T.Contiguous()).ToArray<float>(), a.T.MatMul(b.T).ToArray<float>());
        var expected = a.MatMul(strided.Contiguous()).ToArray<float>();
        var actual = a.MatMul(strided).ToArray<float>();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
        var expandedB = Tensor.Randn([1, 4, 3], new Generator(6)).Expand(2, 4, 3);
        var batchedA = Tensor.Randn([2, 5, 4], new Generator(7));
        var viaExpand = batchedA.MatMul(expandedB).ToArray<float>();
        var viaBroadcast = batchedA.MatMul(expandedB.Select(0, 0)).ToArray<float>();
        for (int i = 0; i < viaExpand.Length; i++) Assert.Equal(viaBroadcast[i], viaExpand[i], 4);
    }
}
