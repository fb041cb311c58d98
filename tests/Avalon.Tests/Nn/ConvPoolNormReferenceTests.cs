using System.Text.Json;
using Avalon.Nn;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn;

/// <summary>
/// Convolution, pooling, normalisation, upsampling and pixel-shuffle layers against PyTorch's values in
/// Data/Reference/layers.json: load the parameters (and BatchNorm's buffers), run forward in the case's
/// mode and backward with its grad_output, and compare the output, the input gradient, the parameter
/// gradients and the buffers after the step.
/// </summary>
public sealed class ConvPoolNormReferenceTests
{
    private static readonly string[] s_kinds =
    [
        "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
        "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
        "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm",
        "InstanceNorm1d", "InstanceNorm2d", "Upsample", "PixelShuffle", "PixelUnshuffle",
    ];

    public static IEnumerable<object[]> Cases()
    {
        var data = ReferenceData.Load("layers");
        foreach (var kind in s_kinds)
            foreach (var c in data.OfKind(kind))
                yield return [c.Name];
    }

    [Fact]
    public void EveryKindHasCases()
    {
        var data = ReferenceData.Load("layers");
        foreach (var kind in s_kinds) Assert.NotEmpty(data.OfKind(kind));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = ReferenceData.Load("layers")[name];
        var input = NnTestUtil.ToTensor(c.Tensors("inputs")[0]!);
        var dtype = input.DType;
        var module = Build(c, dtype);
        var state = c.TensorMap("params").ToDictionary(kv => kv.Key, kv => NnTestUtil.ToTensor(kv.Value));
        foreach (var (key, value) in c.TensorMap("buffers_before")) state[key] = NnTestUtil.ToTensor(value);
        module.LoadStateDict(state);
        module.Train(c.Json.TryGetProperty("train", out var train) && train.GetBoolean());
        input.RequiresGrad_();

        var output = module.Forward(input);
        var (rtol, atol) = dtype == DType.Float64 ? (1e-10, 1e-12) : (1e-5, 1e-6);
        NnTestUtil.AssertClose(c.Tensor("output"), output, name + " output", rtol, atol);

        output.Backward(NnTestUtil.ToTensor(c.Tensor("grad_output")));
        Assert.NotNull(input.Grad);
        NnTestUtil.AssertClose(c.Tensors("grad_inputs")[0]!, input.Grad!, name + " grad of input", rtol, atol);

        var gradParams = c.TensorMap("grad_params");
        var named = module.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(gradParams.Keys.OrderBy(k => k), named.Keys.OrderBy(k => k));
        foreach (var (key, expected) in gradParams)
        {
            Assert.NotNull(named[key].Grad);
            NnTestUtil.AssertClose(expected, named[key].Grad!, $"{name} grad of {key}", rtol, atol);
        }

        var buffers = module.NamedBuffers().ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, expected) in c.TensorMap("buffers_after"))
            NnTestUtil.AssertClose(expected, buffers[key], $"{name} buffer {key} after", rtol, atol);
    }

    [Fact]
    public void TransposedConvolutionsOnlyPadWithZeros()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ConvTranspose2d(2, 2, 3, padding: 1, paddingMode: "reflect"));
        Assert.Contains("only 'zeros' padding mode", ex.Message);
    }

    [Theory]
    [InlineData("reflect")]
    [InlineData("replicate")]
    [InlineData("circular")]
    public void PaddingModesEqualExplicitPadThenUnpaddedConv(string mode)
    {
        var conv = new Conv2d(2, 3, 3, padding: 1, paddingMode: mode, generator: new Generator(4));
        var x = Tensor.Randn([1, 2, 5, 6], new Generator(5));
        var padMode = mode switch { "reflect" => PadMode.Reflect, "replicate" => PadMode.Replicate, _ => PadMode.Circular };
        var expected = Functional.Conv2d(x.Pad([1, 1, 1, 1], padMode), conv.Weight, conv.Bias);
        Assert.Equal(expected.ToArray<float>(), conv.Forward(x).ToArray<float>());
        Assert.Equal([1, 3, 5, 6], conv.Forward(x).Shape.ToArray());
        Assert.Contains($"padding_mode={mode}", conv.ToString());
    }

    private static int Rank(string kind) => kind[^2] - '0';

    private static int?[] OutputSize(ReferenceCase c, int rank)
    {
        var v = c.Args.GetProperty("output_size");
        if (v.ValueKind == JsonValueKind.Number) return [v.GetInt32()];
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (int?)null : e.GetInt32()).ToArray();
    }

    private static Module Build(ReferenceCase c, DType dtype)
    {
        string kind = c.Kind;
        switch (kind)
        {
            case "Conv1d" or "Conv2d" or "Conv3d":
            {
                int r = Rank(kind);
                int cin = c.ArgInt("in_channels", -1), cout = c.ArgInt("out_channels", -1);
                var k = c.ArgInts("kernel_size", r, 1);
                var s = c.ArgInts("stride", r, 1);
                var d = c.ArgInts("dilation", r, 1);
                int g = c.ArgInt("groups", 1);
                bool bias = c.ArgBool("bias", true);
                string mode = c.ArgString("padding_mode", "zeros");
                bool stringPadding = c.HasArg("padding") && c.Args.GetProperty("padding").ValueKind == JsonValueKind.String;
                if (stringPadding)
                {
                    string p = c.ArgString("padding", "valid");
                    return r switch
                    {
                        1 => new Conv1d(cin, cout, k, p, s, d, g, bias, mode, dtype: dtype),
                        2 => new Conv2d(cin, cout, k, p, s, d, g, bias, mode, dtype: dtype),
                        _ => new Conv3d(cin, cout, k, p, s, d, g, bias, mode, dtype: dtype),
                    };
                }
                var pad = c.ArgInts("padding", r, 0);
                return r switch
                {
                    1 => new Conv1d(cin, cout, k, s, pad, d, g, bias, mode, dtype: dtype),
                    2 => new Conv2d(cin, cout, k, s, pad, d, g, bias, mode, dtype: dtype),
                    _ => new Conv3d(cin, cout, k, s, pad, d, g, bias, mode, dtype: dtype),
                };
            }
            case "ConvTranspose1d" or "ConvTranspose2d":
            {
                int r = Rank(kind);
                var args = (c.ArgInt("in_channels", -1), c.ArgInt("out_channels", -1), c.ArgInts("kernel_size", r, 1),
                    c.ArgInts("stride", r, 1), c.ArgInts("padding", r, 0), c.ArgInts("output_padding", r, 0),
                    c.ArgInt("groups", 1), c.ArgBool("bias", true), c.ArgInts("dilation", r, 1));
                return r == 1
                    ? new ConvTranspose1d(args.Item1, args.Item2, args.Item3, args.Item4, args.Item5, args.Item6, args.Item7, args.Item8, args.Item9, dtype: dtype)
                    : new ConvTranspose2d(args.Item1, args.Item2, args.Item3, args.Item4, args.Item5, args.Item6, args.Item7, args.Item8, args.Item9, dtype: dtype);
            }
            case "MaxPool1d" or "MaxPool2d":
            {
                int r = Rank(kind);
                var k = c.ArgInts("kernel_size", r, 1);
                int[]? s = c.HasArg("stride") ? c.ArgInts("stride", r, 1) : null;
                var p = c.ArgInts("padding", r, 0);
                var d = c.ArgInts("dilation", r, 1);
                bool ceil = c.ArgBool("ceil_mode", false);
                return r == 1 ? new MaxPool1d(k, s, p, d, ceil) : new MaxPool2d(k, s, p, d, ceil);
            }
            case "AvgPool1d" or "AvgPool2d":
            {
                int r = Rank(kind);
                var k = c.ArgInts("kernel_size", r, 1);
                int[]? s = c.HasArg("stride") ? c.ArgInts("stride", r, 1) : null;
                var p = c.ArgInts("padding", r, 0);
                bool ceil = c.ArgBool("ceil_mode", false), include = c.ArgBool("count_include_pad", true);
                int? divisor = c.HasArg("divisor_override") ? c.ArgInt("divisor_override", 1) : null;
                return r == 1 ? new AvgPool1d(k, s, p, ceil, include) : new AvgPool2d(k, s, p, ceil, include, divisor);
            }
            case "AdaptiveAvgPool1d": return new AdaptiveAvgPool1d(OutputSize(c, 1)[0]!.Value);
            case "AdaptiveMaxPool1d": return new AdaptiveMaxPool1d(OutputSize(c, 1)[0]!.Value);
            case "AdaptiveAvgPool2d": return new AdaptiveAvgPool2d(OutputSize(c, 2));
            case "AdaptiveMaxPool2d": return new AdaptiveMaxPool2d(OutputSize(c, 2));
            case "BatchNorm1d" or "BatchNorm2d":
            {
                int n = c.ArgInt("num_features", -1);
                double eps = c.ArgDouble("eps", 1e-5);
                double? momentum = c.HasArg("momentum") && c.Args.GetProperty("momentum").ValueKind == JsonValueKind.Null
                    ? null : c.ArgDouble("momentum", 0.1);
                bool affine = c.ArgBool("affine", true), track = c.ArgBool("track_running_stats", true);
                return kind == "BatchNorm1d"
                    ? new BatchNorm1d(n, eps, momentum, affine, track, dtype)
                    : new BatchNorm2d(n, eps, momentum, affine, track, dtype);
            }
            case "InstanceNorm1d" or "InstanceNorm2d":
            {
                int n = c.ArgInt("num_features", -1);
                double eps = c.ArgDouble("eps", 1e-5), momentum = c.ArgDouble("momentum", 0.1);
                bool affine = c.ArgBool("affine", false), track = c.ArgBool("track_running_stats", false);
                return kind == "InstanceNorm1d"
                    ? new InstanceNorm1d(n, eps, momentum, affine, track, dtype)
                    : new InstanceNorm2d(n, eps, momentum, affine, track, dtype);
            }
            case "LayerNorm":
            {
                var v = c.Args.GetProperty("normalized_shape");
                int[] shape = v.ValueKind == JsonValueKind.Number ? [v.GetInt32()] : v.EnumerateArray().Select(e => e.GetInt32()).ToArray();
                return new LayerNorm(shape, c.ArgDouble("eps", 1e-5), c.ArgBool("elementwise_affine", true), dtype);
            }
            case "GroupNorm":
                return new GroupNorm(c.ArgInt("num_groups", -1), c.ArgInt("num_channels", -1), c.ArgDouble("eps", 1e-5), c.ArgBool("affine", true), dtype);
            case "Upsample":
            {
                int[]? size = c.HasArg("size") ? c.Args.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
                double[]? scale = c.HasArg("scale_factor") ? [c.ArgDouble("scale_factor", 1)] : null;
                bool? align = c.HasArg("align_corners") ? c.ArgBool("align_corners", false) : null;
                return new Upsample(size, scale, c.ArgString("mode", "nearest"), align);
            }
            case "PixelShuffle": return new PixelShuffle(c.ArgInt("upscale_factor", -1));
            case "PixelUnshuffle": return new PixelUnshuffle(c.ArgInt("downscale_factor", -1));
            default: throw new NotSupportedException(kind);
        }
    }
}
