namespace Avalon.Primitives.Convolution;

/// <summary>
/// The attributes of the convolution primitives (stride, padding, dilation, groups, and for the transposed
/// convolution output_padding; the gradient primitives also carry the size they produce), read once per call
/// and turned into the kernels' <see cref="ConvGeometry"/>. Device-neutral: shape rules and every backend's
/// kernels read the same geometry.
/// </summary>
internal readonly record struct ConvAttributes(int[] Stride, int[] Padding, int[] Dilation, int Groups, int[] OutputPadding)
{
    /// <summary>Reads the attributes of a call.</summary>
    public static ConvAttributes Read(Attributes a) => new(
        a.SharedInts("stride"), a.SharedInts("padding"), a.SharedInts("dilation"), a.Int("groups"),
        a.Has("output_padding") ? a.SharedInts("output_padding") : []);

    /// <summary>The attributes of a convolution (shared by its gradient primitives, which add a size).</summary>
    public static Attributes Of(int[] stride, int[] padding, int[] dilation, int groups) =>
        Attributes.Of(("stride", stride), ("padding", padding), ("dilation", dilation), ("groups", groups));

    /// <summary>These attributes plus one extra named size (input_size or kernel_size).</summary>
    public Attributes With(string name, int[] size) =>
        Attributes.Of(("stride", Stride), ("padding", Padding), ("dilation", Dilation), ("groups", Groups), (name, size));

    /// <summary>The plain convolution attributes (no size, no output padding).</summary>
    public Attributes Plain() => Of(Stride, Padding, Dilation, Groups);

    /// <summary>
    /// Geometry of the convolution of <paramref name="input"/> [N, Cin, *spatial] with a weight
    /// [Cout, Cin / groups, *kernel] of shape <paramref name="weight"/>.
    /// </summary>
    public ConvGeometry Convolution(string op, Shape input, Shape weight) => Convolution(op, input.AsSpan(), weight.AsSpan());

    /// <summary>
    /// <see cref="Convolution(string, Shape, Shape)"/> over plain dimension spans, so that callers that build a
    /// shape on the stack allocate nothing.
    /// </summary>
    public ConvGeometry Convolution(string op, ReadOnlySpan<int> input, ReadOnlySpan<int> weight)
    {
        RequireRanks(op, input, weight, "weight");
        if (input[1] != weight[1] * Groups)
            throw OpErrors.Argument(
                op, $"given groups={Groups}, weight of size {ShapeUtil.Format(weight)}, expected input{ShapeUtil.Format(input)} to have {weight[1] * Groups} channels, but got {input[1]} channels instead.");
        if (weight[0] % Groups != 0)
            throw OpErrors.Argument(op, $"out_channels ({weight[0]}, from weight of size {ShapeUtil.Format(weight)}) must be divisible by groups ({Groups}).");
        return ConvGeometry.Create(input[0], input[1], weight[0], Groups, input[2..], weight[2..],
            Stride, Padding, Dilation);
    }

    /// <summary>
    /// Geometry of the transposed convolution of <paramref name="input"/> [N, Cin, *spatial] with a weight
    /// [Cin, Cout / groups, *kernel], described by the convolution it is the adjoint of.
    /// </summary>
    public ConvGeometry Transposed(string op, Shape input, Shape weight)
    {
        RequireRanks(op, input, weight, "weight");
        if (input[1] != weight[0])
            throw OpErrors.Argument(
                op, $"given transposed=1, weight of size {weight}, expected input{input} to have {weight[0]} channels, but got {input[1]} channels instead.");
        if (weight[0] % Groups != 0)
            throw OpErrors.Argument(op, $"in_channels ({weight[0]}, from weight of size {weight}) must be divisible by groups ({Groups}).");
        ReadOnlySpan<int> outputPadding = OutputPadding.Length == 0 ? stackalloc int[input.Rank - 2] : OutputPadding;
        return ConvGeometry.CreateTransposed(input[0], input[1], weight[1] * Groups, Groups, input.AsSpan()[2..],
            weight.AsSpan()[2..], Stride, Padding, outputPadding, Dilation);
    }

    /// <summary>
    /// The geometry of the convolution whose input gradient conv_backward_input(grad_output, weight; input_size)
    /// computes (its attributes <paramref name="a"/> add input_size to the convolution's).
    /// </summary>
    public static ConvGeometry BackwardInput(string op, Shape gradOutput, Shape weight, Attributes a)
    {
        var attrs = Read(a);
        var size = a.SharedInts("input_size");
        if (gradOutput.Rank is < 3 or > 5 || size.Length != gradOutput.Rank - 2)
            throw OpErrors.Argument(
                op, $"expected grad_output of rank 3 to 5 and input_size with one value per spatial dim, got grad_output {gradOutput} and input_size {ShapeUtil.Format(size)}.");
        Span<int> input = stackalloc int[gradOutput.Rank];
        (input[0], input[1]) = (gradOutput[0], weight[1] * attrs.Groups);
        size.CopyTo(input[2..]);
        var g = attrs.Convolution(op, input, weight.AsSpan());
        RequireOutput(op, g, "grad_output", gradOutput, weight[0]);
        return g;
    }

    /// <summary>
    /// The geometry of the convolution whose weight gradient conv_backward_weight(input, grad_output; kernel_size)
    /// computes (its attributes <paramref name="a"/> add kernel_size to the convolution's).
    /// </summary>
    public static ConvGeometry BackwardWeight(string op, Shape input, Shape gradOutput, Attributes a)
    {
        var attrs = Read(a);
        var kernel = a.SharedInts("kernel_size");
        if (input.Rank is < 3 or > 5 || kernel.Length != input.Rank - 2 || gradOutput.Rank != input.Rank)
            throw OpErrors.Argument(
                op, $"expected input and grad_output of equal rank 3 to 5 and kernel_size with one value per spatial dim, got input {input}, grad_output {gradOutput} and kernel_size {ShapeUtil.Format(kernel)}.");
        if (gradOutput[1] % attrs.Groups != 0 || input[1] % attrs.Groups != 0)
            throw OpErrors.Argument(
                op, $"channels of input {input} and grad_output {gradOutput} must be divisible by groups ({attrs.Groups}).");
        Span<int> weight = stackalloc int[input.Rank];
        (weight[0], weight[1]) = (gradOutput[1], input[1] / attrs.Groups);
        kernel.CopyTo(weight[2..]);
        var g = attrs.Convolution(op, input.AsSpan(), weight);
        RequireOutput(op, g, "grad_output", gradOutput, gradOutput[1]);
        return g;
    }

    /// <summary>Throws unless <paramref name="actual"/> spatial sizes equal the geometry's output sizes.</summary>
    public static void RequireOutput(string op, in ConvGeometry g, string what, Shape actual, int channels)
    {
        int rank = g.SpatialRank;
        ReadOnlySpan<int> all = [g.OutputDepth, g.OutputHeight, g.OutputWidth];
        Span<int> expected = stackalloc int[2 + rank];
        expected[0] = g.Batch;
        expected[1] = channels;
        all[(3 - rank)..].CopyTo(expected[2..]);
        if (!actual.AsSpan().SequenceEqual(expected))
            throw OpErrors.Argument(op, $"expected {what} of shape {ShapeUtil.Format(expected)} for {g.Describe()}, got {actual}.");
    }

    /// <summary>The output shape [N, C, *spatial] of a geometry (the convolution's output).</summary>
    public static int[] OutputShape(in ConvGeometry g) =>
        Pick(g.Batch, g.OutChannels, g.OutputDepth, g.OutputHeight, g.OutputWidth, g.SpatialRank);

    /// <summary>The input shape [N, C, *spatial] of a geometry (the convolution's input).</summary>
    public static int[] InputShape(in ConvGeometry g) =>
        Pick(g.Batch, g.InChannels, g.InputDepth, g.InputHeight, g.InputWidth, g.SpatialRank);

    private static int[] Pick(int a, int b, int d, int h, int w, int rank)
    {
        ReadOnlySpan<int> all = [d, h, w];
        var shape = new int[2 + rank];
        (shape[0], shape[1]) = (a, b);
        all[(3 - rank)..].CopyTo(shape.AsSpan(2));
        return shape;
    }

    private static void RequireRanks(string op, Shape input, Shape weight, string weightName) =>
        RequireRanks(op, input.AsSpan(), weight.AsSpan(), weightName);

    private static void RequireRanks(string op, ReadOnlySpan<int> input, ReadOnlySpan<int> weight, string weightName)
    {
        if (input.Length is < 3 or > 5)
            throw OpErrors.Argument(
                op, $"expected a batched input of rank 3 to 5 ([N, C, *spatial] with 1 to 3 spatial dims), got shape {ShapeUtil.Format(input)}.");
        if (weight.Length != input.Length)
            throw OpErrors.Argument(
                op, $"expected {weightName} of rank {input.Length} to match input of shape {ShapeUtil.Format(input)}, got {weightName} of shape {ShapeUtil.Format(weight)}.");
    }
}
