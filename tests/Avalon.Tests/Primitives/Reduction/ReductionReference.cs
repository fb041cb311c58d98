namespace Avalon.Tests.Primitives.Reduction;

/// <summary>Naive float64 reductions and test inputs (contiguous, transposed, strided) for the reduction tests.</summary>
internal static class ReductionReference
{
    /// <summary>
    /// Reduces <paramref name="x"/> (dense row-major, shape <paramref name="shape"/>) over <paramref name="dims"/>
    /// (all when null or empty; negatives allowed) by applying <paramref name="f"/> to each group, whose
    /// elements are listed in row-major order of the reduced dims.
    /// </summary>
    public static (double[] Data, int[] Shape) Reduce(double[] x, int[] shape, int[]? dims, bool keepDim, Func<List<double>, double> f)
    {
        int rank = shape.Length;
        var reduced = new bool[rank];
        if (dims is null || dims.Length == 0) Array.Fill(reduced, true);
        else foreach (int d in dims) if (rank > 0) reduced[d < 0 ? d + rank : d] = true;
        var outShape = new List<int>();
        for (int i = 0; i < rank; i++)
        {
            if (!reduced[i]) outShape.Add(shape[i]);
            else if (keepDim) outShape.Add(1);
        }
        int outCount = 1;
        for (int i = 0; i < rank; i++) if (!reduced[i]) outCount *= shape[i];
        var groups = new List<double>[outCount];
        for (int i = 0; i < outCount; i++) groups[i] = new List<double>();
        var index = new int[rank];
        for (int flat = 0; flat < x.Length; flat++)
        {
            int o = 0;
            for (int d = 0; d < rank; d++) if (!reduced[d]) o = o * shape[d] + index[d];
            groups[o].Add(x[flat]);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
        return (groups.Select(f).ToArray(), outShape.ToArray());
    }

    public static double ArgMax(List<double> g)
    {
        int best = 0;
        for (int i = 1; i < g.Count; i++)
        {
            if (double.IsNaN(g[best])) break;
            if (double.IsNaN(g[i]) || g[i] > g[best]) best = i;
        }
        return best;
    }

    public static double ArgMin(List<double> g)
    {
        int best = 0;
        for (int i = 1; i < g.Count; i++)
        {
            if (double.IsNaN(g[best])) break;
            if (double.IsNaN(g[i]) || g[i] < g[best]) best = i;
        }
        return best;
    }

    public static double Max(List<double> g) => g.Any(double.IsNaN) ? double.NaN : g.Max();

    public static double Min(List<double> g) => g.Any(double.IsNaN) ? double.NaN : g.Min();

    public static double Var(List<double> g, int correction)
    {
        double mean = g.Sum() / g.Count;
        double ss = g.Sum(v => (v - mean) * (v - mean));
        return ss / Math.Max(0, g.Count - correction);
    }

    public static double LogSumExp(List<double> g)
    {
        if (g.Count == 0) return double.NegativeInfinity;
        double m = g.Max();
        if (double.IsInfinity(m)) m = 0;
        return m + Math.Log(g.Sum(v => Math.Exp(v - m)));
    }

    /// <summary>How a test tensor is laid out in memory.</summary>
    public enum Layout { Contiguous, Transposed, Strided }

    /// <summary>
    /// A tensor of <paramref name="dtype"/> with logical shape <paramref name="shape"/> and values
    /// <paramref name="values"/> (row-major), stored as requested.
    /// </summary>
    public static Tensor Make(double[] values, int[] shape, DType dtype, Layout layout)
    {
        int rank = shape.Length;
        if (layout == Layout.Transposed && rank >= 2)
        {
            // Store the reversed-dims transpose densely, then permute back: a non-contiguous view.
            var rev = shape.Reverse().ToArray();
            var stored = new double[values.Length];
            var idx = new int[rank];
            for (int flat = 0; flat < values.Length; flat++)
            {
                int t = 0;
                for (int d = rank - 1; d >= 0; d--) t = t * shape[d] + idx[d];
                stored[t] = values[flat];
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (++idx[d] < shape[d]) break;
                    idx[d] = 0;
                }
            }
            var perm = Enumerable.Range(0, rank).Reverse().ToArray();
            var result = Cast(stored, rev, dtype).Permute(perm);
            Assert.False(result.IsContiguous && values.Length > 1 && shape.Count(s => s > 1) > 1);
            return result;
        }
        if (layout == Layout.Strided && rank >= 1)
        {
            // Interleave a junk element after every value along the last dim, then slice with step 2.
            var wide = (int[])shape.Clone();
            wide[^1] *= 2;
            var stored = new double[values.Length * 2];
            for (int i = 0; i < values.Length; i++) { stored[2 * i] = values[i]; stored[2 * i + 1] = 12345; }
            return Cast(stored, wide, dtype).Slice(-1, 0, null, 2);
        }
        return Cast(values, shape, dtype);
    }

    private static Tensor Cast(double[] values, int[] shape, DType dtype) => dtype switch
    {
        DType.Bool => Tensor.From(values.Select(v => v != 0).ToArray()).Reshape(shape),
        DType.Float64 => Tensor.From(values).Reshape(shape),
        DType.Float32 => Tensor.From(values.Select(v => (float)v).ToArray()).Reshape(shape),
        DType.Int32 => Tensor.From(values.Select(v => (int)v).ToArray()).Reshape(shape),
        DType.Int64 => Tensor.From(values.Select(v => (long)v).ToArray()).Reshape(shape),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static void AssertClose(double[] expected, Tensor actual, double tol, string what)
    {
        var got = actual.ToDoubleArray();
        Assert.True(expected.Length == got.Length, $"{what}: {got.Length} elements, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = got[i];
            if (double.IsNaN(e) || double.IsInfinity(e))
            {
                Assert.True(e.Equals(a), $"{what}: element {i}: expected {e}, got {a}");
                continue;
            }
            Assert.True(Math.Abs(e - a) <= tol * (1 + Math.Abs(e)), $"{what}: element {i}: expected {e:R}, got {a:R}");
        }
    }
}
