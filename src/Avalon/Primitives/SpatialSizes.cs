namespace Avalon.Primitives;

/// <summary>
/// Checks and formatting shared by the geometries of convolution and pooling, which take one size per
/// spatial dim (1 to 3) and describe every problem as three-dimensional, with size-1 leading dims.
/// </summary>
internal static class SpatialSizes
{
    /// <summary>Throws unless <paramref name="inputSize"/> has 1 to 3 spatial dims.</summary>
    public static void RequireRank(string op, ReadOnlySpan<int> inputSize)
    {
        if (inputSize.Length is < 1 or > 3)
            throw OpErrors.Argument(op, $"expected 1 to 3 spatial dimensions, got input size {ShapeUtil.Format(inputSize)}.");
    }

    /// <summary>Throws unless <paramref name="values"/> has one entry per spatial dim.</summary>
    public static void RequireLength(string op, string name, ReadOnlySpan<int> values, int rank)
    {
        if (values.Length != rank)
            throw OpErrors.Argument(
                op, $"expected {name} with {rank} value(s), one per spatial dimension, got {ShapeUtil.Format(values)}.");
    }

    /// <summary>Right-aligns <paramref name="source"/> into three slots, filling the leading ones with <paramref name="fill"/>.</summary>
    public static void ExpandTo3(ReadOnlySpan<int> source, Span<int> destination, int fill)
    {
        int lead = 3 - source.Length;
        for (int i = 0; i < 3; i++) destination[i] = i < lead ? fill : source[i - lead];
    }

    /// <summary>Formats [a, b, d, h, w] keeping only the last <paramref name="spatialRank"/> spatial dims.</summary>
    public static string FormatShape(int a, int b, int d, int h, int w, int spatialRank)
    {
        ReadOnlySpan<int> all = [a, b, d, h, w];
        Span<int> shape = stackalloc int[2 + spatialRank];
        shape[0] = a;
        shape[1] = b;
        all[(5 - spatialRank)..].CopyTo(shape[2..]);
        return ShapeUtil.Format(shape);
    }
}
