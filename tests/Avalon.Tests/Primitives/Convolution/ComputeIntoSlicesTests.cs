using Avalon.Autodiff;
using Avalon.Backends;
using Avalon.Primitives;
using Avalon.Primitives.Convolution;
using Avalon.Primitives.Nn;
using Avalon.Primitives.Pooling;
using Avalon.Primitives.Upsampling;

namespace Avalon.Tests.Primitives.Convolution;

/// <summary>
/// The kernels of the convolution, pooling, upsampling and embedding primitives write into the output
/// buffers they are given: <see cref="Primitive.Compute"/> into slices at a non-zero offset of larger
/// storages pre-filled with NaN (or garbage integers), from inputs that are themselves slices at an offset,
/// gives bit for bit what <see cref="Primitive.InvokeMany"/> gives, and leaves every element outside the
/// slices untouched.
/// </summary>
public sealed class ComputeIntoSlicesTests
{
    private const int Before = 7, After = 5;
    private const long IntegerGarbage = -0x5A5A5A5A5A5AL;

    /// <summary>One call: the primitive, its attributes and its inputs.</summary>
    public sealed record Case(string Name, Primitive Primitive, Attributes Attributes, Func<Tensor[]> Inputs)
    {
        public override string ToString() => Name;
    }

    private static Tensor R(int seed, DType dtype, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)seed), dtype);

    private static Tensor R(int seed, params int[] shape) => R(seed, DType.Float32, shape);

    private static Attributes Conv(int[] stride, int[] padding, int[] dilation, int groups, params (string, object)[] extra) =>
        Attributes.Of([("stride", stride), ("padding", padding), ("dilation", dilation), ("groups", groups), .. extra]);

    private static Attributes MaxPool(int[] kernel, int[] stride, int[] padding, int[] dilation, bool ceil) =>
        Attributes.Of(("kernel_size", kernel), ("stride", stride), ("padding", padding), ("dilation", dilation), ("ceil_mode", ceil));

    private static Tensor PoolIndices(Tensor x, Attributes a) => PoolingPrimitives.MaxPoolWithIndices.InvokeMany(a, x)[1];

    public static TheoryData<Case> Cases()
    {
        var pool2 = MaxPool([2, 2], [2, 2], [0, 0], [1, 1], false);
        var poolPadded = MaxPool([3, 2], [2, 1], [1, 1], [1, 1], true);
        var avg = Attributes.Of(("kernel_size", new[] { 3, 2 }), ("stride", new[] { 2, 1 }), ("padding", new[] { 1, 1 }),
            ("ceil_mode", true), ("count_include_pad", false));
        var avgDivisor = Attributes.Of(("kernel_size", new[] { 2 }), ("stride", new[] { 1 }), ("padding", new[] { 1 }),
            ("divisor_override", 3));
        return new TheoryData<Case>
        {
            new("conv2d bias groups", ConvolutionPrimitives.Conv, Conv([2, 1], [1, 0], [1, 2], 2),
                () => [R(1, 3, 4, 7, 9), R(2, 6, 2, 3, 2), R(3, 6)]),
            new("conv1d pointwise float64", ConvolutionPrimitives.Conv, Conv([1], [0], [1], 1),
                () => [R(4, DType.Float64, 2, 3, 11), R(5, DType.Float64, 5, 3, 1)]),
            new("conv3d", ConvolutionPrimitives.Conv, Conv([1, 2, 1], [1, 0, 1], [1, 1, 1], 1),
                () => [R(6, 2, 2, 4, 5, 3), R(7, 3, 2, 2, 3, 2)]),
            new("conv_backward_input", ConvolutionPrimitives.ConvBackwardInput, Conv([2, 2], [1, 1], [1, 1], 2, ("input_size", new[] { 7, 8 })),
                () => [R(8, 3, 4, 4, 4), R(9, 4, 3, 3, 3)]),
            new("conv_backward_input float64 batch 5", ConvolutionPrimitives.ConvBackwardInput, Conv([1], [1], [2], 1, ("input_size", new[] { 9 })),
                () => [R(10, DType.Float64, 5, 3, 9), R(11, DType.Float64, 3, 2, 2)]),
            new("conv_backward_weight batch 6", ConvolutionPrimitives.ConvBackwardWeight, Conv([1, 2], [0, 1], [1, 1], 1, ("kernel_size", new[] { 3, 2 })),
                () => [R(12, 6, 2, 6, 7), R(13, 6, 3, 4, 4)]),
            new("conv_backward_weight pointwise groups float64", ConvolutionPrimitives.ConvBackwardWeight, Conv([1], [0], [1], 2, ("kernel_size", new[] { 1 })),
                () => [R(14, DType.Float64, 3, 4, 10), R(15, DType.Float64, 3, 6, 10)]),
            new("conv_transpose2d bias output padding", ConvolutionPrimitives.ConvTranspose,
                Conv([2, 2], [1, 0], [1, 1], 1, ("output_padding", new[] { 1, 0 })),
                () => [R(16, 2, 3, 4, 5), R(17, 3, 2, 3, 3), R(18, 2)]),
            new("max_pool values only", PoolingPrimitives.MaxPool, poolPadded, () => [R(20, 2, 3, 7, 6)]),
            new("max_pool_with_indices padded ceil", PoolingPrimitives.MaxPoolWithIndices, poolPadded, () => [R(21, 2, 3, 7, 6)]),
            new("max_pool_with_indices tiled float64", PoolingPrimitives.MaxPoolWithIndices, pool2, () => [R(22, DType.Float64, 2, 3, 8, 20)]),
            new("max_pool_with_indices 1d", PoolingPrimitives.MaxPoolWithIndices, MaxPool([3], [2], [1], [2], false), () => [R(23, 1, 2, 13)]),
            new("adaptive_max_pool_with_indices uneven", PoolingPrimitives.AdaptiveMaxPoolWithIndices,
                Attributes.Of(("output_size", new[] { 3, 4 })), () => [R(24, 2, 3, 7, 9)]),
            new("adaptive_max_pool_with_indices tiled", PoolingPrimitives.AdaptiveMaxPoolWithIndices,
                Attributes.Of(("output_size", new[] { 2, 3 })), () => [R(25, DType.Float64, 2, 2, 6, 12)]),
            new("max_pool_backward", PoolingPrimitives.MaxPoolBackward, Attributes.Of(("input_size", new[] { 7, 6 })),
                () => { var x = R(26, 2, 3, 7, 6); var i = PoolIndices(x, poolPadded); return [R(27, i.Shape.ToArray()), i]; }),
            new("max_pool_gather float64", PoolingPrimitives.MaxPoolGather, Attributes.Empty,
                () => { var x = R(28, DType.Float64, 2, 3, 8, 20); return [R(29, DType.Float64, 2, 3, 8, 20), PoolIndices(x, pool2)]; }),
            new("avg_pool exclude pad ceil", PoolingPrimitives.AvgPool, avg, () => [R(30, 2, 3, 7, 6)]),
            new("avg_pool 1d divisor float64", PoolingPrimitives.AvgPool, avgDivisor, () => [R(31, DType.Float64, 2, 2, 9)]),
            new("avg_pool_backward", PoolingPrimitives.AvgPoolBackward, avg.With("input_size", new[] { 7, 6 }), () => [R(32, 2, 3, 4, 7)]),
            new("adaptive_avg_pool", PoolingPrimitives.AdaptiveAvgPool, Attributes.Of(("output_size", new[] { 3, 5 })), () => [R(33, 2, 3, 7, 4)]),
            new("adaptive_avg_pool_backward", PoolingPrimitives.AdaptiveAvgPoolBackward, Attributes.Of(("input_size", new[] { 7, 4 })),
                () => [R(34, DType.Float64, 2, 3, 3, 5)]),
            new("upsample_nearest 2d", UpsamplingPrimitives.Nearest,
                Attributes.Of(("output_size", new[] { 7, 9 }), ("scales", new[] { 0.0, 0.0 })), () => [R(40, 2, 3, 4, 5)]),
            new("upsample_nearest_backward", UpsamplingPrimitives.NearestBackward,
                Attributes.Of(("output_size", new[] { 7, 9 }), ("scales", new[] { 1.75, 1.8 }), ("input_size", new[] { 4, 5 })), () => [R(41, 2, 3, 7, 9)]),
            new("upsample_linear 3d align corners float64", UpsamplingPrimitives.Linear,
                Attributes.Of(("output_size", new[] { 3, 5, 4 }), ("scales", new[] { 0.0, 0.0, 0.0 }), ("align_corners", true)),
                () => [R(42, DType.Float64, 1, 2, 2, 3, 3)]),
            new("upsample_linear_backward 1d", UpsamplingPrimitives.LinearBackward,
                Attributes.Of(("output_size", new[] { 11 }), ("scales", new[] { 0.0 }), ("input_size", new[] { 4 })), () => [R(43, 2, 3, 11)]),
            new("embedding masked padding", EmbeddingPrimitives.Embedding, Attributes.Of(("padding_idx", 2), ("mask_padding", true)),
                () => [R(50, 5, 3), Tensor.From(new long[] { 0, 2, 4, 2, 1, 3 }, [2, 3])]),
            new("embedding int32 indices float64", EmbeddingPrimitives.Embedding, Attributes.Empty,
                () => [R(51, DType.Float64, 4, 6), Tensor.From(new[] { 3, 0, 3, 1 }, [4])]),
            new("embedding_backward", EmbeddingPrimitives.EmbeddingBackward, Attributes.Of(("num_weights", 6), ("padding_idx", 1)),
                () => [R(52, 2, 3, 4), Tensor.From(new long[] { 0, 1, 5, 5, 2, 0 }, [2, 3])]),
        };
    }

    /// <summary>A copy of <paramref name="t"/> that is a dense slice at an offset of a larger storage.</summary>
    private static Tensor AtOffset(Tensor t, int offset)
    {
        var storage = Backend.For(Device.Cpu).Allocate(t.DType, t.Numel + offset + 3);
        var slice = Tensor.OverStorage(storage, t.Shape.ToArray(), null, offset);
        storage.Backend.Copy(t, slice);
        return slice;
    }

    private static Tensor Garbage(DType dtype, int length)
    {
        var storage = Backend.For(Device.Cpu).AllocateUninitialized(dtype, length);
        var whole = Tensor.OverStorage(storage, [length]);
        storage.Backend.Fill(whole, dtype.IsFloatingPoint() ? double.NaN : IntegerGarbage);
        return whole;
    }

    private static long[] Bits(Tensor t) => t.DType switch
    {
        DType.Float32 => t.ToArray<float>().Select(v => (long)BitConverter.SingleToInt32Bits(v)).ToArray(),
        DType.Float64 => t.ToArray<double>().Select(BitConverter.DoubleToInt64Bits).ToArray(),
        DType.Int64 => t.ToArray<long>(),
        _ => throw new NotSupportedException(t.DType.ToString()),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ComputeIntoOffsetSlicesMatchesInvokeBitwise(Case c)
    {
        var inputs = c.Inputs();
        Tensor[] expected;
        using (new NoGrad()) expected = c.Primitive.InvokeMany(c.Attributes, inputs);
        var attributes = c.Primitive.ValidateAttributes(c.Attributes);
        var offsetInputs = inputs.Select((x, i) => AtOffset(x, 3 + i)).ToArray();
        var wholes = expected.Select(e => Garbage(e.DType, Before + e.Numel + After)).ToArray();
        var outputs = expected.Select((e, k) => Tensor.OverStorage(wholes[k].Storage, e.Shape.ToArray(), null, Before)).ToArray();
        c.Primitive.Compute(offsetInputs, attributes, outputs);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k].Spec, outputs[k].Spec);
            Assert.Equal(Bits(expected[k]), Bits(outputs[k]));
            var guard = Bits(Garbage(expected[k].DType, 1))[0];
            var all = Bits(wholes[k]);
            Assert.All(all[..Before], v => Assert.Equal(guard, v));
            Assert.All(all[(Before + expected[k].Numel)..], v => Assert.Equal(guard, v));
        }
    }

    [Fact]
    public void EveryPrimitiveOfTheFamiliesHasACase()
    {
        string[] families = ["Avalon.Primitives.Convolution", "Avalon.Primitives.Pooling", "Avalon.Primitives.Upsampling", "Avalon.Primitives.Nn"];
        var covered = ((IEnumerable<object[]>)Cases()).Select(row => ((Case)row[0]).Primitive.Name).ToHashSet();
        var missing = PrimitiveRegistry.All.Where(p => families.Contains(p.GetType().Namespace) && !covered.Contains(p.Name)).Select(p => p.Name).ToList();
        Assert.True(missing.Count == 0, "Primitives without a compute-into-slices case: " + string.Join(", ", missing));
        Assert.True(covered.Count >= 19, $"expected every primitive of the four families, found {covered.Count}");
    }
}
