namespace Avalon.Tests.Primitives.Indexing;

/// <summary>How a test input is laid out in memory; the logical values are the same for each.</summary>
public enum Layout { Contiguous, Transposed, Strided }

/// <summary>
/// Random inputs for the indexing kernels: small-integer values (so every dtype represents them
/// exactly and references can compare for equality), random shapes with size-0 and size-1 dims, and
/// non-contiguous layouts (a transposed view, or every other element of a wider tensor).
/// </summary>
public static class IndexingTestData
{
    public static readonly DType[] AllDTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    /// <summary>A tensor of the given logical shape holding integers in [low, high) in the given layout.</summary>
    public static Tensor Make(int[] shape, DType dtype, Layout layout, Generator g, long low = -9, long high = 10)
    {
        if (dtype == DType.Bool) (low, high) = (0, 2);
        switch (layout)
        {
            case Layout.Transposed when shape.Length >= 2:
            {
                var swapped = (int[])shape.Clone();
                (swapped[^1], swapped[^2]) = (swapped[^2], swapped[^1]);
                return Tensor.RandInt(low, high, swapped, g).To(dtype).Transpose(-1, -2);
            }
            case Layout.Strided when shape.Length >= 1:
            {
                var wide = (int[])shape.Clone();
                wide[0] *= 2;
                return Tensor.RandInt(low, high, wide, g).To(dtype).Slice(0, 0, null, 2);
            }
            default:
                return Tensor.RandInt(low, high, shape, g).To(dtype);
        }
    }

    /// <summary>A random shape of the given rank with sizes from {0, 1, 2, 3, 5} (0 rarely).</summary>
    public static int[] RandomShape(Generator g, int rank)
    {
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            long r = g.NextInt64(0, 12);
            shape[i] = r == 0 ? 0 : r < 3 ? 1 : r < 6 ? 2 : r < 9 ? 3 : 5;
        }
        return shape;
    }

    /// <summary>Row-major strides.</summary>
    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>The multi-index of row-major position <paramref name="flat"/>.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }
        return idx;
    }

    /// <summary>The row-major position of a multi-index.</summary>
    public static int Ravel(int[] idx, int[] shape)
    {
        int flat = 0;
        for (int i = 0; i < shape.Length; i++) flat = flat * shape[i] + idx[i];
        return flat;
    }

    public static int Numel(int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    /// <summary>Asserts exact equality of a result with a reference, naming the case on failure.</summary>
    public static void AssertEqual(int[] expectedShape, double[] expected, Tensor actual, string what)
    {
        Assert.True(actual.Shape.ToArray().SequenceEqual(expectedShape), $"{what}: shape {actual.Shape} != [{string.Join(", ", expectedShape)}]");
        var got = actual.ToDoubleArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i] == got[i], $"{what}: element {i} ({string.Join(",", Unravel(i, expectedShape))}): expected {expected[i]}, got {got[i]}");
    }
}
