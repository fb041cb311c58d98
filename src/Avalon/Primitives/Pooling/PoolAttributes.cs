namespace Avalon.Primitives.Pooling;

/// <summary>
/// Turns pooling attributes and an input shape [N, C, *spatial] into the geometries that the shape rules and
/// every backend's kernels share.
/// </summary>
internal static class PoolAttributes
{
    /// <summary>Throws unless <paramref name="x"/> is [N, C, *spatial] with as many spatial dims as <paramref name="perDim"/> has values.</summary>
    public static void RequireRank(string family, Shape x, int[] perDim, string what)
    {
        int rank = perDim.Length;
        if (rank is < 1 or > 3)
            throw OpErrors.Argument(family, $"expected {what} with 1 to 3 values (one per spatial dim), got {ShapeUtil.Format(perDim)}.");
        if (x.Rank != rank + 2)
            throw new ArgumentException(
                $"{family}{rank}d: expected a batched input of rank {rank + 2} ([N, C{string.Concat(Enumerable.Repeat(", *", rank))}]), got shape {x}.");
    }

    /// <summary>Geometry of max_pool / max_pool_with_indices (kernel_size, stride, padding, dilation, ceil_mode).</summary>
    public static PoolGeometry Max(Shape x, Attributes a)
    {
        var kernel = a.SharedInts("kernel_size");
        RequireRank("max_pool", x, kernel, "kernel_size");
        return PoolGeometry.CreateMax(x[0], x[1], x.AsSpan()[2..], kernel, a.SharedInts("stride"), a.SharedInts("padding"),
            a.SharedInts("dilation"), a.Bool("ceil_mode"));
    }

    /// <summary>Geometry of avg_pool (kernel_size, stride, padding, ceil_mode).</summary>
    public static PoolGeometry Average(Shape x, Attributes a)
    {
        var kernel = a.SharedInts("kernel_size");
        RequireRank("avg_pool", x, kernel, "kernel_size");
        return PoolGeometry.CreateAverage(x[0], x[1], x.AsSpan()[2..], kernel, a.SharedInts("stride"), a.SharedInts("padding"),
            a.Bool("ceil_mode"));
    }

    /// <summary>
    /// Geometry of the avg_pool whose gradient avg_pool_backward(grad_output; avg_pool's attributes, input_size)
    /// computes; throws unless <paramref name="gradOutput"/> has that pooling's output shape.
    /// </summary>
    public static PoolGeometry AverageBackward(TensorSpec gradOutput, Attributes a)
    {
        var size = a.SharedInts("input_size");
        if (gradOutput.Shape.Rank != size.Length + 2)
            throw OpErrors.Argument("avg_pool_backward", $"expected grad_output [N, C, *spatial] with {size.Length} spatial dims, got {gradOutput}.");
        var kernel = a.SharedInts("kernel_size");
        if (kernel.Length != size.Length)
            throw OpErrors.Argument("avg_pool_backward", $"expected kernel_size with {size.Length} values (one per spatial dim), got {ShapeUtil.Format(kernel)}.");
        var g = PoolGeometry.CreateAverage(gradOutput.Shape[0], gradOutput.Shape[1], size, kernel, a.SharedInts("stride"),
            a.SharedInts("padding"), a.Bool("ceil_mode"));
        if (!MatchesOutput(gradOutput.Shape, g))
            throw OpErrors.Argument("avg_pool_backward", $"expected grad_output of shape {ShapeUtil.Format(OutputShape(g))} for input_size {ShapeUtil.Format(size)}, got {gradOutput}.");
        return g;
    }

    /// <summary>
    /// Geometry of the adaptive_avg_pool from input_size to <paramref name="gradOutput"/>'s spatial sizes, whose
    /// gradient adaptive_avg_pool_backward(grad_output; input_size) computes.
    /// </summary>
    public static AdaptivePoolGeometry AdaptiveAverageBackward(TensorSpec gradOutput, Attributes a)
    {
        var size = a.SharedInts("input_size");
        if (gradOutput.Shape.Rank != size.Length + 2)
            throw OpErrors.Argument("adaptive_avg_pool_backward", $"expected grad_output [N, C, *spatial] with {size.Length} spatial dims, got {gradOutput}.");
        return AdaptivePoolGeometry.CreateAverage(gradOutput.Shape[0], gradOutput.Shape[1], size, gradOutput.Shape.AsSpan()[2..]);
    }

    /// <summary>The divisor_override attribute, or null when absent.</summary>
    public static int? Divisor(Attributes a) => a.Has("divisor_override") ? a.Int("divisor_override") : null;

    /// <summary>Geometry of adaptive_avg_pool (output_size).</summary>
    public static AdaptivePoolGeometry AdaptiveAverage(Shape x, Attributes a)
    {
        var size = a.SharedInts("output_size");
        RequireRank("adaptive_avg_pool", x, size, "output_size");
        return AdaptivePoolGeometry.CreateAverage(x[0], x[1], x.AsSpan()[2..], size);
    }

    /// <summary>Geometry of adaptive_max_pool (output_size).</summary>
    public static AdaptivePoolGeometry AdaptiveMax(Shape x, Attributes a)
    {
        var size = a.SharedInts("output_size");
        RequireRank("adaptive_max_pool", x, size, "output_size");
        return AdaptivePoolGeometry.CreateMax(x[0], x[1], x.AsSpan()[2..], size);
    }

    /// <summary>Whether <paramref name="shape"/> is the output shape of <paramref name="g"/> (compared without building that shape).</summary>
    private static bool MatchesOutput(Shape shape, in PoolGeometry g)
    {
        ReadOnlySpan<int> all = [g.OutputDepth, g.OutputHeight, g.OutputWidth];
        int rank = g.SpatialRank;
        if (shape.Rank != 2 + rank || shape[0] != g.Batch || shape[1] != g.Channels) return false;
        for (int i = 0; i < rank; i++)
            if (shape[2 + i] != all[3 - rank + i]) return false;
        return true;
    }

    /// <summary>[N, C, oD, oH, oW] restricted to the caller's spatial rank.</summary>
    public static int[] Shape(int n, int c, int d, int h, int w, int rank)
    {
        ReadOnlySpan<int> all = [d, h, w];
        var shape = new int[2 + rank];
        (shape[0], shape[1]) = (n, c);
        all[(3 - rank)..].CopyTo(shape.AsSpan(2));
        return shape;
    }

    /// <summary>The output shape of a sliding-window pooling.</summary>
    public static int[] OutputShape(in PoolGeometry g) =>
        Shape(g.Batch, g.Channels, g.OutputDepth, g.OutputHeight, g.OutputWidth, g.SpatialRank);

    /// <summary>The output shape of an adaptive pooling.</summary>
    public static int[] OutputShape(in AdaptivePoolGeometry g) =>
        Shape(g.Batch, g.Channels, g.OutputDepth, g.OutputHeight, g.OutputWidth, g.SpatialRank);
}
