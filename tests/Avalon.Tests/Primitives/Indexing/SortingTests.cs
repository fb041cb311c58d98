using Avalon.Autodiff;
using Avalon.Primitives;
using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class SortingTests
{
    private static readonly DType[] SortableDTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];

    // NaN is larger than every number; equal values keep their order (a stable sort).
    private static int Ascending(double a, double b) =>
        double.IsNaN(a) ? (double.IsNaN(b) ? 0 : 1) : double.IsNaN(b) ? -1 : a.CompareTo(b);

    /// <summary>Naive float64 reference: along dim, the first k of a stable insertion sort of (value, position).</summary>
    private static (double[] Values, long[] Indices, int[] Shape) Reference(double[] x, int[] shape, int dim, int k, bool descending)
    {
        var outShape = shape.Length == 0 ? [] : (int[])shape.Clone();
        int n = shape.Length == 0 ? 1 : shape[dim];
        if (outShape.Length > 0) outShape[dim] = k;
        var values = new double[Numel(outShape)];
        var indices = new long[values.Length];
        for (int flat = 0; flat < values.Length; flat++)
        {
            var p = Unravel(flat, outShape);
            if (shape.Length > 0 && p[dim] != 0) continue;
            var row = new List<(double V, int I)>();
            for (int j = 0; j < n; j++)
            {
                var q = (int[])p.Clone();
                if (q.Length > 0) q[dim] = j;
                double v = x[Ravel(q, shape)];
                int at = row.Count;
                // Insert after every element that does not come after v (stability).
                while (at > 0 && (descending ? Ascending(row[at - 1].V, v) < 0 : Ascending(row[at - 1].V, v) > 0)) at--;
                row.Insert(at, (v, j));
            }
            for (int j = 0; j < k; j++)
            {
                var q = (int[])p.Clone();
                if (q.Length > 0) q[dim] = j;
                int o = Ravel(q, outShape);
                values[o] = row[j].V;
                indices[o] = row[j].I;
            }
        }
        return (values, indices, outShape);
    }

    // Random small integers (many ties), some NaN for float dtypes, in a random layout.
    private static Tensor Input(Generator g, int[] shape, DType dtype)
    {
        var t = Make(shape, dtype, (Layout)g.NextInt64(0, 3), g, -3, 4);
        if (!dtype.IsFloatingPoint() || t.Numel == 0) return t;
        var values = t.ToDoubleArray();
        for (int i = 0; i < values.Length; i++) if (g.NextInt64(0, 6) == 0) values[i] = double.NaN;
        return Tensor.From(values, shape).Reshape(shape).To(dtype);
    }

    private static void AssertMatches((double[] Values, long[] Indices, int[] Shape) expected, Tensor values, Tensor indices, DType dtype, string what)
    {
        Assert.Equal(dtype, values.DType);
        Assert.Equal(DType.Int64, indices.DType);
        Assert.True(values.Shape.ToArray().SequenceEqual(expected.Shape), $"{what}: values shape {values.Shape}");
        Assert.True(indices.Shape.ToArray().SequenceEqual(expected.Shape), $"{what}: indices shape {indices.Shape}");
        var v = values.ToDoubleArray();
        var i = indices.ToArray<long>();
        for (int e = 0; e < v.Length; e++)
        {
            Assert.True(expected.Values[e].Equals(v[e]), $"{what}: value {e}: expected {expected.Values[e]}, got {v[e]}");
            Assert.True(expected.Indices[e] == i[e], $"{what}: index {e}: expected {expected.Indices[e]}, got {i[e]}");
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void SortMatchesStableReferenceWithTiesAndNaN(DType dtype)
    {
        var g = new Generator(41 + (ulong)dtype);
        for (int trial = 0; trial < 80; trial++)
        {
            int rank = (int)g.NextInt64(0, 4);
            var shape = RandomShape(g, rank);
            int dim = rank == 0 ? 0 : (int)g.NextInt64(-rank, rank);
            int d = dim < 0 ? dim + rank : dim;
            bool descending = g.NextInt64(0, 2) == 1;
            var x = Input(g, shape, dtype);
            var expected = Reference(x.ToDoubleArray(), shape, d, shape.Length == 0 ? 1 : shape[d], descending);
            var (values, indices) = x.Sort(dim, descending, stable: true);
            AssertMatches(expected, values, indices, dtype, $"sort trial {trial} shape [{string.Join(",", shape)}] dim {dim} descending {descending}");
            Assert.Equal(indices.ToArray<long>(), x.Argsort(dim, descending).ToArray<long>());
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    public void TopKMatchesReferenceWithTiesAndNaN(DType dtype)
    {
        var g = new Generator(77 + (ulong)dtype);
        for (int trial = 0; trial < 80; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 3);
            var shape = RandomShape(g, rank);
            int dim = (int)g.NextInt64(-rank, rank);
            int d = dim < 0 ? dim + rank : dim;
            int k = (int)g.NextInt64(0, shape[d] + 1);
            bool largest = g.NextInt64(0, 2) == 1;
            var x = Input(g, shape, dtype);
            var expected = Reference(x.ToDoubleArray(), shape, d, k, descending: largest);
            var (values, indices) = x.TopK(k, dim, largest);
            AssertMatches(expected, values, indices, dtype, $"topk trial {trial} shape [{string.Join(",", shape)}] dim {dim} k {k} largest {largest}");
        }
    }

    [Fact]
    public void TopKOfLongRowsUsesTheHeapAndMatchesTheReference()
    {
        // k much smaller than n takes the bounded-heap path; many ties and NaNs test its order.
        var g = new Generator(5);
        var values = new double[3 * 200];
        for (int i = 0; i < values.Length; i++) values[i] = g.NextInt64(0, 9) == 0 ? double.NaN : g.NextInt64(-20, 20);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (bool largest in new[] { true, false })
                foreach (int k in new[] { 1, 5, 17 })
                {
                    var x = Tensor.From(values, 3, 200).To(dtype);
                    var expected = Reference(values, [3, 200], 1, k, largest);
                    var (v, i) = x.TopK(k, 1, largest);
                    AssertMatches(expected, v, i, dtype, $"topk {dtype} k {k} largest {largest}");
                }
    }

    [Fact]
    public void SortOfLargeInputRunsInParallelAndMatchesTheReference()
    {
        var g = new Generator(9);
        var x = Tensor.RandInt(-50, 50, [64, 600], g).To(DType.Float32);
        var expected = Reference(x.ToDoubleArray(), [64, 600], 0, 64, descending: false);
        var (values, indices) = x.Sort(0);
        AssertMatches(expected, values, indices, DType.Float32, "sort [64, 600] along dim 0");
    }

    [Fact]
    public void NaNSortsLastAscendingAndFirstDescending()
    {
        var x = Tensor.From(new[] { 2.0, double.NaN, -1.0, double.PositiveInfinity, double.NaN });
        var (up, upIndex) = x.Sort();
        Assert.Equal(new[] { -1.0, 2.0, double.PositiveInfinity, double.NaN, double.NaN }, up.ToArray<double>());
        Assert.Equal(new long[] { 2, 0, 3, 1, 4 }, upIndex.ToArray<long>());
        var (down, downIndex) = x.Sort(descending: true);
        Assert.Equal(new long[] { 1, 4, 3, 0, 2 }, downIndex.ToArray<long>());
        Assert.True(double.IsNaN(down.ToArray<double>()[0]));
        var (top, topIndex) = x.TopK(2);
        Assert.Equal(new long[] { 1, 4 }, topIndex.ToArray<long>());
        Assert.True(top.ToArray<double>().All(double.IsNaN));
    }

    [Fact]
    public void StableSortKeepsTheOrderOfEqualElements()
    {
        var x = Tensor.From(new[] { 1, 0, 1, 0, 1, 0 });
        Assert.Equal(new long[] { 1, 3, 5, 0, 2, 4 }, x.Argsort(stable: true).ToArray<long>());
        Assert.Equal(new long[] { 0, 2, 4, 1, 3, 5 }, x.Argsort(descending: true, stable: true).ToArray<long>());
    }

    [Fact]
    public void EachIsOneCallDefiningValuesAndIndices()
    {
        var tape = Grad.Trace(a => a[0].TopK(2).Values + a[0].Sort(0).Values.Slice(1, 0, 2), Tensor.Randn(3, 4));
        var calls = tape.Ops.OfType<CallOp>().Where(c => c.Primitive.Name is "topk" or "sort").ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(2, c.OutputCount));
        Assert.Equal(DType.Int64, calls[0].OutputSpec(1).DType);
    }

    [Fact]
    public void GradientScattersToTheIndexedPositionsOnTapeAndEagerly()
    {
        var x = Tensor.Randn([3, 5], new Generator(3), DType.Float64);
        var w = Tensor.Randn([3, 2], new Generator(4), DType.Float64);
        var r = Grad.Of((Tensor[] a) => (a[0].TopK(2, 1, largest: false).Values * w).Sum(), x);
        var (_, indices) = x.TopK(2, 1, largest: false);
        var expected = new double[15];
        var idx = indices.ToArray<long>();
        var wv = w.ToArray<double>();
        for (int row = 0; row < 3; row++)
            for (int j = 0; j < 2; j++) expected[row * 5 + idx[row * 2 + j]] += wv[row * 2 + j];
        Assert.Equal(expected, r.Gradients[0].ToArray<double>());

        var leaf = x.Detach().RequiresGrad_();
        (leaf.Sort(0, descending: true).Values * 2.0).Sum().Backward();
        Assert.Equal(Enumerable.Repeat(2.0, 15), leaf.Grad!.ToArray<double>());
    }

    [Fact]
    public void TapeReplaysOnNewInputs()
    {
        var r = Grad.Of((Tensor[] a) => (a[0].Sort(1, descending: true).Values * Tensor.Arange(0, 4, 1, DType.Float64)).Sum(), Tensor.Randn([2, 4], new Generator(1), DType.Float64));
        var fresh = Tensor.Randn([2, 4], new Generator(2), DType.Float64);
        var replayed = r.Tape.Run(fresh);
        var direct = Grad.Of((Tensor[] a) => (a[0].Sort(1, descending: true).Values * Tensor.Arange(0, 4, 1, DType.Float64)).Sum(), fresh);
        Assert.Equal(direct.Value.Item(), replayed[0].Item());
        Assert.Equal(direct.Gradients[0].ToArray<double>(), replayed[1].ToArray<double>());
    }

    [Fact]
    public void BadArgumentsNameTheOperation()
    {
        var x = Tensor.Randn(2, 3);
        Assert.Contains("topk: k (4) must lie in [0, 3]", Assert.Throws<ArgumentException>(() => x.TopK(4)).Message);
        Assert.Contains("sort: expected a float32, float64, int32 or int64 input", Assert.Throws<ArgumentException>(() => x.Gt(0.0).Sort()).Message);
        Assert.Contains("sort: dimension out of range", Assert.Throws<ArgumentOutOfRangeException>(() => x.Sort(2)).Message);
        Assert.Contains("call InvokeMany", Assert.Throws<InvalidOperationException>(() => PrimitiveRegistry.Get("sort").Invoke(Attributes.Of(("dim", 0)), x)).Message);
    }
}
