namespace Avalon.Tests.Primitives.Elementwise;

/// <summary>
/// Naive float64 references for elementwise kernels (NumPy broadcasting by explicit index arithmetic) and
/// the input layouts every kernel test walks: contiguous, transposed, strided slices, broadcasts,
/// size-0 and size-1 dims, and lengths that leave every vector-width remainder.
/// </summary>
public static class ElementwiseReference
{
    /// <summary>Pairs of shapes that broadcast, with the reason they are interesting.</summary>
    public static readonly (int[] A, int[] B)[] BinaryShapes =
    [
        ([2, 3], [2, 3]),
        ([37], [37]),            // a vector-width remainder for every dtype
        ([3, 17], [17]),         // row broadcast
        ([4, 1, 5], [3, 1]),     // both sides broadcast
        ([5, 1], [1, 33]),       // outer product
        ([0, 3], [3]),           // size-0
        ([1], [7]),              // scalar-like
        ([], [2, 2]),            // 0-dim
        ([1, 1], [1]),
        ([64], []),              // dense ⊕ scalar on the vector path
    ];

    /// <summary>Random values of <paramref name="dtype"/> (integers in [-5, 5], with repeats so ties occur).</summary>
    public static Tensor Random(int[] shape, DType dtype, int seed, double scale = 2)
    {
        var g = new Generator((ulong)seed * 7919 + 17);
        int n = 1;
        foreach (int d in shape) n *= d;
        var v = new double[n];
        for (int i = 0; i < n; i++)
            v[i] = dtype.IsFloatingPoint() ? g.NextNormal() * scale : g.NextInt64(-5, 6);
        // Snap some floats to a few values so comparisons and max/min see ties.
        if (dtype.IsFloatingPoint())
            for (int i = 0; i < n; i += 5) v[i] = Math.Round(v[i]);
        return FromDoubles(v, shape, dtype);
    }

    /// <summary>A tensor of <paramref name="dtype"/> holding <paramref name="values"/> (bool: nonzero).</summary>
    public static Tensor FromDoubles(double[] values, int[] shape, DType dtype)
    {
        Tensor t = dtype switch
        {
            DType.Float32 => Tensor.From(values.Select(x => (float)x).ToArray(), [values.Length]),
            DType.Float64 => Tensor.From(values, [values.Length]),
            DType.Int32 => Tensor.From(values.Select(x => (int)x).ToArray(), [values.Length]),
            DType.Int64 => Tensor.From(values.Select(x => (long)x).ToArray(), [values.Length]),
            _ => Tensor.From(values.Select(x => x != 0).ToArray(), [values.Length]),
        };
        return t.Reshape(shape);
    }

    /// <summary>
    /// The same values laid out in several ways: dense, as the transpose of a dense tensor, and as a
    /// strided slice of a larger one (each a different memory layout of equal logical content).
    /// </summary>
    public static IEnumerable<(string Layout, Tensor Tensor)> Layouts(Tensor dense)
    {
        yield return ("dense", dense);
        var shape = dense.Shape.ToArray();
        if (shape.Length >= 2)
        {
            var perm = Enumerable.Range(0, shape.Length).Reverse().ToArray();
            yield return ("transposed", dense.Permute(perm).Contiguous().Permute(perm));
        }
        if (shape.Length >= 1)
        {
            // Interleave with junk along the last dim and take every other element.
            var wide = shape.ToArray();
            wide[^1] *= 2;
            var big = Random(wide, dense.DType == DType.Bool ? DType.Int32 : dense.DType, 99);
            if (dense.DType == DType.Bool) big = big.Gt(0);
            var values = dense.Contiguous().ToDoubleArray();
            var bigValues = big.ToDoubleArray();
            int last = shape[^1];
            for (int i = 0; i < values.Length; i++) bigValues[(i / last) * 2 * last + (i % last) * 2] = values[i];
            yield return ("strided", FromDoubles(bigValues, wide, dense.DType).Slice(-1, 0, null, 2));
        }
    }

    /// <summary>The broadcast shape of two shapes.</summary>
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            r[i] = da == 1 ? db : da;
        }
        return r;
    }

    /// <summary>Flat index into a tensor of <paramref name="shape"/> for output index <paramref name="index"/> under broadcasting.</summary>
    public static int SourceIndex(int[] shape, int[] index)
    {
        int lead = index.Length - shape.Length, flat = 0;
        for (int i = 0; i < shape.Length; i++) flat = flat * shape[i] + (shape[i] == 1 ? 0 : index[i + lead]);
        return flat;
    }

    /// <summary>Reference f(a, b) with broadcasting, in float64, flattened row-major.</summary>
    public static double[] Binary(Tensor a, Tensor b, Func<double, double, double> f) => Nary([a, b], x => f(x[0], x[1]));

    /// <summary>Reference f over any number of broadcast inputs.</summary>
    public static double[] Nary(Tensor[] inputs, Func<double[], double> f)
    {
        var shapes = inputs.Select(t => t.Shape.ToArray()).ToArray();
        var outShape = shapes.Aggregate(BroadcastShape);
        var values = inputs.Select(t => t.ToDoubleArray()).ToArray();
        int n = outShape.Aggregate(1, (x, y) => x * y);
        var result = new double[n];
        var index = new int[outShape.Length];
        var args = new double[inputs.Length];
        for (int k = 0; k < n; k++)
        {
            int rem = k;
            for (int d = outShape.Length - 1; d >= 0; d--) { index[d] = rem % outShape[d]; rem /= outShape[d]; }
            for (int j = 0; j < inputs.Length; j++) args[j] = values[j][SourceIndex(shapes[j], index)];
            result[k] = f(args);
        }
        return result;
    }

    /// <summary>Asserts |expected - actual| ≤ abs + rel·|expected| elementwise (NaN matches NaN, infinities must match).</summary>
    public static void AssertClose(double[] expected, double[] actual, double rel, double abs, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} elements, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"{what}: element {i}: expected NaN, got {a:R}"); continue; }
            if (double.IsInfinity(e)) { Assert.True(e == a, $"{what}: element {i}: expected {e}, got {a:R}"); continue; }
            Assert.True(Math.Abs(e - a) <= abs + rel * Math.Abs(e), $"{what}: element {i}: expected {e:R}, got {a:R} (|diff| {Math.Abs(e - a):E2})");
        }
    }
}
