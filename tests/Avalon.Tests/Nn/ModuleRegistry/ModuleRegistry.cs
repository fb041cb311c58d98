using Avalon.Nn;
using static Avalon.Tests.Nn.ModuleRegistry.InputSpec;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>
/// Every public concrete <see cref="Module"/> of the library, each with one or more ways to build it and
/// sample calls with the output shapes its documentation gives (PyTorch's <c>common_modules.py</c>).
/// The generic tests in this folder run over all entries; <see cref="RegistryCompletenessTests"/> fails
/// when a module type is missing.
/// </summary>
internal static class ModuleRegistry
{
    /// <summary>All entries, by unique name.</summary>
    public static IReadOnlyDictionary<string, ModuleEntry> Entries { get; } = Build();

    /// <summary>The entry names as theory data.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Entries.Keys) data.Add(name);
        return data;
    }

    private static ModuleSample S(int[] output, params InputSpec[] inputs) => new(output, inputs);

    private static ModuleSample Many(int[][] outputs, params InputSpec[] inputs) => ModuleSample.Many(outputs, inputs);

    private static ModuleEntry Seeded<T>(string name, Func<Generator?, T> create) where T : Module => ModuleEntry.Seeded(name, create);

    private static ModuleEntry Plain<T>(string name, Func<T> create) where T : Module => ModuleEntry.Plain(name, create);

    /// <summary>An elementwise activation: one sample of rank 3 and one of rank 1, output shaped like the input.</summary>
    private static ModuleEntry Act<T>(string name, Func<T> create) where T : Module =>
        Plain(name, create).With(S([2, 3, 4], Normal(2, 3, 4)), S([5], Normal(5)), S([0, 3], Normal(0, 3)));

    /// <summary>A loss of (input, target): the mean (a scalar) and, with Reduction.None, the input's shape.</summary>
    private static ModuleEntry Loss2<T>(string name, Func<T> create, Func<T, Tensor, Tensor, Tensor> forward, params ModuleSample[] samples)
        where T : Module => Plain(name, create).Calling<T>((m, x) => forward(m, x[0], x[1])).With(samples);

    private static IReadOnlyDictionary<string, ModuleEntry> Build()
    {
        ModuleEntry[] entries =
        [
            // Activations
            Act("ReLU", () => new ReLU()),
            Act("ReLU6", () => new ReLU6()),
            Act("SELU", () => new SELU()),
            Act("SiLU", () => new SiLU()),
            Act("Mish", () => new Mish()),
            Act("Sigmoid", () => new Sigmoid()),
            Act("LogSigmoid", () => new LogSigmoid()),
            Act("Tanh", () => new Tanh()),
            Act("Hardsigmoid", () => new Hardsigmoid()),
            Act("Hardswish", () => new Hardswish()),
            Act("Softsign", () => new Softsign()),
            Act("Tanhshrink", () => new Tanhshrink()),
            Act("LeakyReLU(0.2)", () => new LeakyReLU(0.2)),
            Act("ELU(0.5)", () => new ELU(0.5)),
            Act("CELU(1.5)", () => new CELU(1.5)),
            Act("GELU", () => new GELU()),
            Act("GELU(tanh)", () => new GELU("tanh")),
            Act("Hardtanh(-0.5,0.7)", () => new Hardtanh(-0.5, 0.7)),
            Act("Softplus(2,1)", () => new Softplus(2, 1)),
            Act("Threshold(0.1,20)", () => new Threshold(0.1, 20)),
            Act("Hardshrink(0.3)", () => new Hardshrink(0.3)),
            Act("Softshrink(0.3)", () => new Softshrink(0.3)),
            Plain("Softmax(1)", () => new Softmax(1)).With(S([2, 3, 4], Normal(2, 3, 4))),
            Plain("Softmax(implicit)", () => new Softmax()).With(S([2, 3, 4], Normal(2, 3, 4)), S([2, 3], Normal(2, 3))),
            Plain("LogSoftmax(-1)", () => new LogSoftmax(-1)).With(S([2, 3, 4], Normal(2, 3, 4))),
            Plain("Softmin(1)", () => new Softmin(1)).With(S([2, 3, 4], Normal(2, 3, 4))),
            Plain("GLU", () => new GLU()).With(S([2, 3, 2], Normal(2, 3, 4))),
            Plain("GLU(1)", () => new GLU(1)).With(S([2, 2, 3], Normal(2, 4, 3))),
            Plain("PReLU", () => new PReLU()).With(S([2, 3, 4], Normal(2, 3, 4))),
            Plain("PReLU(3)", () => new PReLU(3, 0.1)).With(S([2, 3, 4], Normal(2, 3, 4)), S([4, 3], Normal(4, 3))),

            // Linear
            Seeded("Linear", g => new Linear(5, 3, generator: g)).With(S([4, 3], Normal(4, 5)), S([2, 3, 3], Normal(2, 3, 5)), S([3], Normal(5)), S([0, 3], Normal(0, 5))),
            Seeded("Linear(bias=False)", g => new Linear(5, 3, bias: false, generator: g)).With(S([4, 3], Normal(4, 5))),
            Seeded("Bilinear", g => new Bilinear(4, 5, 3, generator: g))
                .Calling<Bilinear>((m, x) => m.Forward(x[0], x[1])).With(S([6, 3], Normal(6, 4), Normal(6, 5))),
            Seeded("Bilinear(bias=False)", g => new Bilinear(2, 3, 4, bias: false, generator: g))
                .Calling<Bilinear>((m, x) => m.Forward(x[0], x[1])).With(S([2, 5, 4], Normal(2, 5, 2), Normal(2, 5, 3))),

            // Convolution
            Seeded("Conv1d", g => new Conv1d(4, 6, 3, stride: 2, padding: 1, generator: g)).With(S([2, 6, 5], Normal(2, 4, 9))),
            Seeded("Conv1d(groups,dilation)", g => new Conv1d(4, 6, 3, padding: 2, dilation: 2, groups: 2, generator: g))
                .With(S([2, 6, 9], Normal(2, 4, 9))),
            Seeded("Conv2d", g => new Conv2d(3, 4, 3, padding: 1, generator: g)).With(S([2, 4, 5, 6], Normal(2, 3, 5, 6)), S([4, 1, 1], Normal(3, 1, 1)), S([0, 4, 5, 6], Normal(0, 3, 5, 6))),
            Seeded("Conv2d(stride,groups,bias=False)", g => new Conv2d(4, 6, [3, 2], stride: [2, 1], groups: 2, bias: false, generator: g))
                .With(S([2, 6, 3, 4], Normal(2, 4, 7, 5))),
            Seeded("Conv2d(same,dilation)", g => new Conv2d(2, 3, [3, 2], "same", dilation: [1, 2], generator: g))
                .With(S([1, 3, 4, 5], Normal(1, 2, 4, 5))),
            Seeded("Conv3d", g => new Conv3d(2, 3, 2, generator: g)).With(S([1, 3, 3, 3, 2], Normal(1, 2, 4, 4, 3))),
            Seeded("ConvTranspose1d", g => new ConvTranspose1d(4, 3, 3, stride: 2, padding: 1, outputPadding: 1, generator: g))
                .With(S([2, 3, 10], Normal(2, 4, 5))),
            Seeded("ConvTranspose2d(groups)", g => new ConvTranspose2d(4, 2, 3, stride: 2, padding: 1, groups: 2, generator: g))
                .With(S([1, 2, 5, 7], Normal(1, 4, 3, 4))),
            Seeded("ConvTranspose3d", g => new ConvTranspose3d(2, 3, 2, stride: 2, generator: g)).With(S([1, 3, 4, 6, 4], Normal(1, 2, 2, 3, 2))),

            // Pooling
            Plain("MaxPool1d", () => new MaxPool1d(3, stride: 2)).With(S([2, 3, 4], Normal(2, 3, 9))),
            Plain("MaxPool2d", () => new MaxPool2d(2)).With(S([2, 3, 3, 2], Normal(2, 3, 6, 5)), S([3, 3, 2], Normal(3, 6, 5))),
            Plain("MaxPool2d(padding,ceil)", () => new MaxPool2d(3, stride: 2, padding: 1, ceilMode: true)).With(S([1, 2, 4, 4], Normal(1, 2, 7, 6))),
            Plain("MaxPool3d", () => new MaxPool3d(2)).With(S([1, 2, 2, 2, 2], Normal(1, 2, 4, 4, 4))),
            Plain("AvgPool1d", () => new AvgPool1d(3, stride: 2, padding: 1)).With(S([2, 3, 4], Normal(2, 3, 8))),
            Plain("AvgPool2d", () => new AvgPool2d(2)).With(S([2, 3, 3, 2], Normal(2, 3, 6, 5))),
            Plain("AvgPool2d(padding,ceil,exclude_pad)", () => new AvgPool2d(3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false))
                .With(S([1, 2, 4, 4], Normal(1, 2, 7, 6))),
            Plain("AvgPool2d(divisor)", () => new AvgPool2d(2, divisorOverride: 3)).With(S([1, 2, 2, 3], Normal(1, 2, 4, 6))),
            Plain("AvgPool3d", () => new AvgPool3d(2)).With(S([1, 2, 2, 2, 2], Normal(1, 2, 4, 4, 4))),
            Plain("AdaptiveAvgPool1d", () => new AdaptiveAvgPool1d(3)).With(S([2, 3, 3], Normal(2, 3, 7))),
            Plain("AdaptiveMaxPool1d", () => new AdaptiveMaxPool1d(3)).With(S([2, 3, 3], Normal(2, 3, 7))),
            Plain("AdaptiveAvgPool2d", () => new AdaptiveAvgPool2d(3)).With(S([2, 3, 3, 3], Normal(2, 3, 7, 5))),
            Plain("AdaptiveAvgPool2d(None,2)", () => new AdaptiveAvgPool2d([null, 2])).With(S([2, 3, 7, 2], Normal(2, 3, 7, 5))),
            Plain("AdaptiveMaxPool2d", () => new AdaptiveMaxPool2d([2, 3])).With(S([2, 3, 2, 3], Normal(2, 3, 7, 5))),
            Plain("AdaptiveAvgPool3d", () => new AdaptiveAvgPool3d(2)).With(S([1, 2, 2, 2, 2], Normal(1, 2, 5, 4, 3))),
            Plain("AdaptiveMaxPool3d", () => new AdaptiveMaxPool3d(2)).With(S([1, 2, 2, 2, 2], Normal(1, 2, 5, 4, 3))),

            // Normalisation
            Plain("BatchNorm1d", () => new BatchNorm1d(3)).With(S([4, 3], Normal(4, 3)), S([4, 3, 5], Normal(4, 3, 5))),
            Plain("BatchNorm1d(no_running_stats)", () => new BatchNorm1d(3, trackRunningStats: false)).With(S([4, 3, 2], Normal(4, 3, 2))),
            Plain("BatchNorm2d", () => new BatchNorm2d(3)).With(S([4, 3, 2, 3], Normal(4, 3, 2, 3))),
            Plain("BatchNorm2d(cumulative,no_affine)", () => new BatchNorm2d(3, momentum: null, affine: false)).With(S([4, 3, 2, 3], Normal(4, 3, 2, 3))),
            Plain("BatchNorm3d", () => new BatchNorm3d(2)).With(S([3, 2, 2, 2, 3], Normal(3, 2, 2, 2, 3))),
            Plain("InstanceNorm1d", () => new InstanceNorm1d(3)).With(S([2, 3, 6], Normal(2, 3, 6)), S([3, 6], Normal(3, 6))),
            Plain("InstanceNorm1d(affine,running_stats)", () => new InstanceNorm1d(3, affine: true, trackRunningStats: true)).With(S([2, 3, 6], Normal(2, 3, 6))),
            Plain("InstanceNorm2d", () => new InstanceNorm2d(3)).With(S([2, 3, 4, 5], Normal(2, 3, 4, 5))),
            Plain("InstanceNorm2d(affine,running_stats)", () => new InstanceNorm2d(3, affine: true, trackRunningStats: true)).With(S([2, 3, 4, 5], Normal(2, 3, 4, 5))),
            Plain("LayerNorm", () => new LayerNorm(5)).With(S([2, 3, 5], Normal(2, 3, 5)), S([5], Normal(5)), S([0, 5], Normal(0, 5))),
            Plain("LayerNorm([3,5],no_affine)", () => new LayerNorm([3, 5], elementwiseAffine: false)).With(S([2, 3, 5], Normal(2, 3, 5))),
            Plain("GroupNorm", () => new GroupNorm(2, 4)).With(S([2, 4, 3, 2], Normal(2, 4, 3, 2)), S([3, 4], Normal(3, 4))),
            Plain("GroupNorm(no_affine)", () => new GroupNorm(2, 4, affine: false)).With(S([2, 4, 5], Normal(2, 4, 5))),

            // Dropout
            Seeded("Dropout", g => new Dropout(0.3, g)).Random().With(S([4, 5], Normal(4, 5))),
            Seeded("Dropout1d", g => new Dropout1d(0.4, g)).Random().With(S([2, 4, 6], Normal(2, 4, 6))),
            Seeded("Dropout2d", g => new Dropout2d(0.4, g)).Random().With(S([2, 4, 3, 3], Normal(2, 4, 3, 3))),

            // Embedding
            Seeded("Embedding", g => new Embedding(10, 4, generator: g)).With(S([2, 3, 4], Index(10, 2, 3)), S([4], Index(10)), S([0, 4], Index(10, 0))),
            Seeded("Embedding(padding_idx)", g => new Embedding(10, 4, paddingIdx: 0, generator: g)).With(S([12, 4], Index(3, 12)))
                .NotApplicable(ModuleCheck.FiniteDifferences, "the padding row's gradient is zero by definition (PyTorch), not the derivative of the lookup"),

            // Recurrent (multi-output: the registry sees output, h_n[, c_n] flattened and concatenated)
            Seeded("RNN", g => new RNN(4, 5, generator: g))
                .CallingMany<RNN>((m, x) => { var (y, h) = m.Forward(x[0], null); return [y, h]; })
                .With(Many([[6, 3, 5], [1, 3, 5]], Normal(6, 3, 4)), Many([[6, 5], [1, 5]], Normal(6, 4))),
            Seeded("RNN(relu,2 layers,bidirectional,batch_first,dropout,h0)",
                    g => new RNN(3, 4, numLayers: 2, nonlinearity: "relu", batchFirst: true, dropout: 0.3, bidirectional: true, generator: g))
                .Random()
                .CallingMany<RNN>((m, x) => { var (y, h) = m.Forward(x[0], x[1]); return [y, h]; })
                .With(Many([[2, 5, 8], [4, 2, 4]], Normal(2, 5, 3), Normal(4, 2, 4))),
            Seeded("LSTM", g => new LSTM(3, 4, generator: g))
                .CallingMany<LSTM>((m, x) => { var (y, (h, c)) = m.Forward(x[0], null); return [y, h, c]; })
                .With(Many([[5, 2, 4], [1, 2, 4], [1, 2, 4]], Normal(5, 2, 3)), Many([[5, 4], [1, 4], [1, 4]], Normal(5, 3))),
            Seeded("LSTM(proj,2 layers,bidirectional,h0,c0)", g => new LSTM(3, 5, numLayers: 2, bidirectional: true, projSize: 2, generator: g))
                .CallingMany<LSTM>((m, x) => { var (y, (h, c)) = m.Forward(x[0], (x[1], x[2])); return [y, h, c]; })
                .With(Many([[4, 2, 4], [4, 2, 2], [4, 2, 5]], Normal(4, 2, 3), Normal(4, 2, 2), Normal(4, 2, 5))),
            Seeded("LSTM(packed,unsorted,bidirectional)", g => new LSTM(3, 4, bidirectional: true, generator: g))
                .CallingMany<LSTM>((m, x) =>
                {
                    var (y, (h, c)) = m.Forward(RnnUtils.PackPaddedSequence(x[0], [2, 4, 3], enforceSorted: false));
                    return [RnnUtils.PadPackedSequence(y).Padded, h, c];
                })
                .With(Many([[4, 3, 8], [2, 3, 4], [2, 3, 4]], Normal(4, 3, 3))),
            Seeded("GRU", g => new GRU(3, 4, generator: g))
                .CallingMany<GRU>((m, x) => { var (y, h) = m.Forward(x[0], null); return [y, h]; })
                .With(Many([[5, 2, 4], [1, 2, 4]], Normal(5, 2, 3))),
            Seeded("GRU(2 layers,bidirectional,batch_first,bias=False,h0)",
                    g => new GRU(3, 4, numLayers: 2, bias: false, batchFirst: true, bidirectional: true, generator: g))
                .CallingMany<GRU>((m, x) => { var (y, h) = m.Forward(x[0], x[1]); return [y, h]; })
                .With(Many([[2, 5, 8], [4, 2, 4]], Normal(2, 5, 3), Normal(4, 2, 4))),
            Seeded("GRU(packed,2 layers,h0)", g => new GRU(3, 4, numLayers: 2, generator: g))
                .CallingMany<GRU>((m, x) =>
                {
                    var (y, h) = m.Forward(RnnUtils.PackPaddedSequence(x[0], [4, 4, 1]), x[1]);
                    return [RnnUtils.PadPackedSequence(y, totalLength: 5).Padded, h];
                })
                .With(Many([[5, 3, 4], [2, 3, 4]], Normal(5, 3, 3), Normal(2, 3, 4))),
            Seeded("RNNCell", g => new RNNCell(4, 5, generator: g)).With(S([3, 5], Normal(3, 4)), S([5], Normal(4))),
            Seeded("RNNCell(relu,bias=False,hx)", g => new RNNCell(4, 5, bias: false, nonlinearity: "relu", generator: g))
                .Calling<RNNCell>((m, x) => m.Forward(x[0], x[1])).With(S([3, 5], Normal(3, 4), Normal(3, 5))),
            Seeded("LSTMCell", g => new LSTMCell(4, 3, generator: g))
                .CallingMany<LSTMCell>((m, x) => { var (h, c) = m.Forward(x[0], (x[1], x[2])); return [h, c]; })
                .With(Many([[2, 3], [2, 3]], Normal(2, 4), Normal(2, 3), Normal(2, 3)), Many([[3], [3]], Normal(4), Normal(3), Normal(3))),
            Seeded("LSTMCell(bias=False,zero state)", g => new LSTMCell(4, 3, bias: false, generator: g)).With(S([2, 3], Normal(2, 4))),
            Seeded("GRUCell", g => new GRUCell(4, 3, generator: g))
                .Calling<GRUCell>((m, x) => m.Forward(x[0], x[1])).With(S([2, 3], Normal(2, 4), Normal(2, 3)), S([3], Normal(4), Normal(3))),
            Seeded("GRUCell(zero state)", g => new GRUCell(4, 3, generator: g)).With(S([2, 3], Normal(2, 4))),

            // Shape and resampling
            Plain("Identity", () => new Identity()).With(S([3, 4], Normal(3, 4))),
            Plain("Flatten", () => new Flatten()).With(S([2, 12], Normal(2, 3, 4)), S([0, 12], Normal(0, 3, 4))),
            Plain("Flatten(0,1)", () => new Flatten(0, 1)).With(S([6, 4], Normal(2, 3, 4))),
            Plain("Unflatten", () => new Unflatten(1, [2, 3])).With(S([4, 2, 3], Normal(4, 6))),
            Plain("PixelShuffle", () => new PixelShuffle(2)).With(S([1, 2, 6, 4], Normal(1, 8, 3, 2))),
            Plain("PixelUnshuffle", () => new PixelUnshuffle(2)).With(S([1, 8, 2, 3], Normal(1, 2, 4, 6))),
            Plain("Upsample(nearest)", () => new Upsample(2.0)).With(S([1, 2, 6, 8], Normal(1, 2, 3, 4))),
            Plain("Upsample(bilinear,align_corners)", () => new Upsample(size: [5, 7], mode: "bilinear", alignCorners: true))
                .With(S([1, 2, 5, 7], Normal(1, 2, 3, 4))),
            Plain("Upsample(linear)", () => new Upsample(scaleFactor: [2.5], mode: "linear")).With(S([1, 2, 10], Normal(1, 2, 4))),
            Plain("Upsample(trilinear)", () => new Upsample(2.0, mode: "trilinear")).With(S([1, 1, 4, 4, 2], Normal(1, 1, 2, 2, 1))),

            // Attention and transformers
            Seeded("MultiheadAttention", g => new MultiheadAttention(8, 2, generator: g))
                .Calling<MultiheadAttention>((m, x) => m.Forward(x[0], x[1], x[2]).Output)
                .With(S([3, 2, 8], Normal(3, 2, 8), Normal(5, 2, 8), Normal(5, 2, 8))),
            Seeded("MultiheadAttention(weights)", g => new MultiheadAttention(8, 2, generator: g))
                .Calling<MultiheadAttention>((m, x) => m.Forward(x[0], x[1], x[2]).Weights!)
                .NotApplicable(ModuleCheck.Gradients, "the attention weights do not depend on out_proj, which gets no gradient (None in PyTorch too)")
                .NotApplicable(ModuleCheck.Modes, "the attention weights do not depend on out_proj, which gets no gradient (None in PyTorch too)")
                .With(S([2, 3, 5], Normal(3, 2, 8), Normal(5, 2, 8), Normal(5, 2, 8))),
            Seeded("MultiheadAttention(self,unbatched)", g => new MultiheadAttention(6, 3, generator: g))
                .With(S([4, 6], Normal(4, 6)), S([4, 2, 6], Normal(4, 2, 6))),
            Seeded("MultiheadAttention(kdim,vdim,bias_kv,zero_attn,batch_first,dropout)",
                    g => new MultiheadAttention(8, 4, dropout: 0.2, addBiasKv: true, addZeroAttn: true, kdim: 5, vdim: 3, batchFirst: true, generator: g))
                .Calling<MultiheadAttention>((m, x) => m.Forward(x[0], x[1], x[2], averageAttnWeights: false).Weights!).Random()
                .NotApplicable(ModuleCheck.Gradients, "the attention weights do not depend on out_proj, which gets no gradient (None in PyTorch too)")
                .NotApplicable(ModuleCheck.Modes, "the attention weights do not depend on out_proj, which gets no gradient (None in PyTorch too)")
                .With(S([2, 4, 3, 6], Normal(2, 3, 8), Normal(2, 4, 5), Normal(2, 4, 3))),
            Seeded("TransformerEncoderLayer", g => new TransformerEncoderLayer(8, 2, 12, generator: g)).Random()
                .With(S([5, 2, 8], Normal(5, 2, 8)), S([4, 8], Normal(4, 8))),
            Seeded("TransformerEncoderLayer(norm_first,gelu,batch_first)",
                    g => new TransformerEncoderLayer(8, 4, 6, dropout: 0, activation: "gelu", batchFirst: true, normFirst: true, generator: g))
                .With(S([2, 5, 8], Normal(2, 5, 8))),
            Seeded("TransformerDecoderLayer", g => new TransformerDecoderLayer(8, 2, 12, generator: g)).Random()
                .Calling<TransformerDecoderLayer>((m, x) => m.Forward(x[0], x[1]))
                .With(S([4, 2, 8], Normal(4, 2, 8), Normal(5, 2, 8))),
            Seeded("TransformerDecoderLayer(norm_first,gelu,batch_first)",
                    g => new TransformerDecoderLayer(8, 2, 6, dropout: 0, activation: "gelu", batchFirst: true, normFirst: true, generator: g))
                .Calling<TransformerDecoderLayer>((m, x) => m.Forward(x[0], x[1], tgtMask: Transformer.GenerateSquareSubsequentMask(3, x[0].DType)))
                .With(S([2, 3, 8], Normal(2, 3, 8), Normal(2, 4, 8))),
            Seeded("TransformerEncoder", g => new TransformerEncoder(new TransformerEncoderLayer(8, 2, 12, generator: g), 2, new LayerNorm(8))).Random()
                .With(S([4, 2, 8], Normal(4, 2, 8))),
            Seeded("TransformerDecoder", g => new TransformerDecoder(new TransformerDecoderLayer(8, 2, 12, normFirst: true, generator: g), 2)).Random()
                .Calling<TransformerDecoder>((m, x) => m.Forward(x[0], x[1], Transformer.GenerateSquareSubsequentMask(3, x[0].DType)))
                .With(S([3, 2, 8], Normal(3, 2, 8), Normal(4, 2, 8))),
            Seeded("Transformer", g => new Transformer(8, 2, 1, 1, 12, generator: g)).Random()
                .Calling<Transformer>((m, x) => m.Forward(x[0], x[1], tgtMask: Transformer.GenerateSquareSubsequentMask(3, x[0].DType)))
                .With(S([3, 2, 8], Normal(5, 2, 8), Normal(3, 2, 8))),
            Plain("RMSNorm", () => new RMSNorm(5)).With(S([2, 3, 5], Normal(2, 3, 5)), S([5], Normal(5)), S([0, 5], Normal(0, 5))),
            Plain("RMSNorm([3,5],eps,no_affine)", () => new RMSNorm([3, 5], eps: 1e-3, elementwiseAffine: false)).With(S([2, 3, 5], Normal(2, 3, 5))),
            Plain("SinusoidalPositionalEncoding", () => new SinusoidalPositionalEncoding(8, 16)).With(S([5, 2, 8], Normal(5, 2, 8)), S([16, 8], Normal(16, 8))),
            Plain("SinusoidalPositionalEncoding(batch_first)", () => new SinusoidalPositionalEncoding(6, 10, batchFirst: true)).With(S([2, 7, 6], Normal(2, 7, 6))),
            Plain("RotaryEmbedding", () => new RotaryEmbedding(6)).With(S([2, 3, 5, 6], Normal(2, 3, 5, 6)), S([4, 6], Normal(4, 6))),
            Plain("RotaryEmbedding(offset,base)", () => new RotaryEmbedding(4, 500)).Calling<RotaryEmbedding>((m, x) => m.Forward(x[0], 7))
                .With(S([3, 5, 4], Normal(3, 5, 4))),

            // Losses
            Loss2("MSELoss", () => new MSELoss(), (m, a, b) => m.Forward(a, b), S([], Normal(3, 4), Normal(3, 4))),
            Loss2("MSELoss(none)", () => new MSELoss(Reduction.None), (m, a, b) => m.Forward(a, b), S([3, 4], Normal(3, 4), Normal(3, 4)), S([0, 4], Normal(0, 4), Normal(0, 4))),
            Loss2("L1Loss", () => new L1Loss(), (m, a, b) => m.Forward(a, b), S([], Normal(3, 4), Normal(3, 4))),
            Loss2("L1Loss(sum)", () => new L1Loss(Reduction.Sum), (m, a, b) => m.Forward(a, b), S([], Normal(5), Normal(5))),
            Loss2("SmoothL1Loss", () => new SmoothL1Loss(beta: 0.5), (m, a, b) => m.Forward(a, b), S([], Normal(3, 4), Normal(3, 4))),
            Loss2("HuberLoss", () => new HuberLoss(Reduction.None, 0.7), (m, a, b) => m.Forward(a, b), S([3, 4], Normal(3, 4), Normal(3, 4))),
            Loss2("BCELoss", () => new BCELoss(), (m, a, b) => m.Forward(a, b), S([], Uniform(0.05, 0.95, 3, 4), Uniform(0, 1, 3, 4).Target())),
            Loss2("BCELoss(weight)", () => new BCELoss(Tensor.From([0.5f, 1f, 2f, 0.25f], 4), Reduction.Sum), (m, a, b) => m.Forward(a, b),
                S([], Uniform(0.05, 0.95, 3, 4), Uniform(0, 1, 3, 4).Target())),
            Loss2("BCEWithLogitsLoss", () => new BCEWithLogitsLoss(), (m, a, b) => m.Forward(a, b), S([], Normal(3, 4), Uniform(0, 1, 3, 4).Target())),
            Loss2("BCEWithLogitsLoss(pos_weight)", () => new BCEWithLogitsLoss(reduction: Reduction.None, posWeight: Tensor.From([2f, 0.5f, 1f, 3f], 4)),
                (m, a, b) => m.Forward(a, b), S([3, 4], Normal(3, 4), Uniform(0, 1, 3, 4).Target())),
            Loss2("CrossEntropyLoss", () => new CrossEntropyLoss(), (m, a, b) => m.Forward(a, b),
                S([], Normal(4, 5), Index(5, 4)), S([], Normal(2, 5, 3), Index(5, 2, 3))),
            Loss2("CrossEntropyLoss(weight,smoothing,none)", () => new CrossEntropyLoss(Tensor.From([1f, 2f, 0.5f, 1f, 3f], 5), reduction: Reduction.None, labelSmoothing: 0.1),
                (m, a, b) => m.Forward(a, b), S([4], Normal(4, 5), Index(5, 4))),
            Loss2("CrossEntropyLoss(probabilities)", () => new CrossEntropyLoss(), (m, a, b) => m.Forward(a, b),
                S([], Normal(4, 5), Uniform(0, 1, 4, 5).Target())),
            Loss2("NLLLoss", () => new NLLLoss(), (m, a, b) => m.Forward(a, b), S([], Normal(4, 5), Index(5, 4))),
            Loss2("NLLLoss(weight,ignore_index)", () => new NLLLoss(Tensor.From([1f, 2f, 0.5f, 1f, 3f], 5), ignoreIndex: 1), (m, a, b) => m.Forward(a, b),
                S([], Normal(6, 5), Index(5, 6))),
            Loss2("KLDivLoss", () => new KLDivLoss(), (m, a, b) => m.Forward(a, b), S([], Normal(3, 4), Uniform(0.1, 1, 3, 4).Target())),
            Loss2("KLDivLoss(sum,log_target)", () => new KLDivLoss(Reduction.Sum, logTarget: true), (m, a, b) => m.Forward(a, b),
                S([], Normal(3, 4), Normal(3, 4).Target())),
            Plain("MarginRankingLoss", () => new MarginRankingLoss(0.2)).Calling<MarginRankingLoss>((m, x) => m.Forward(x[0], x[1], x[2]))
                .With(S([], Normal(5), Normal(5), Sign(5))),
            Plain("CosineEmbeddingLoss", () => new CosineEmbeddingLoss(0.1, Reduction.None)).Calling<CosineEmbeddingLoss>((m, x) => m.Forward(x[0], x[1], x[2]))
                .With(S([4], Normal(4, 6), Normal(4, 6), Sign(4))),
            Plain("TripletMarginLoss", () => new TripletMarginLoss()).Calling<TripletMarginLoss>((m, x) => m.Forward(x[0], x[1], x[2]))
                .With(S([], Normal(4, 6), Normal(4, 6), Normal(4, 6))),
            Plain("TripletMarginLoss(p=1,swap,none)", () => new TripletMarginLoss(margin: 0.5, p: 1, swap: true, reduction: Reduction.None))
                .Calling<TripletMarginLoss>((m, x) => m.Forward(x[0], x[1], x[2]))
                .With(S([4], Normal(4, 6), Normal(4, 6), Normal(4, 6))),

            // Containers
            Seeded("Sequential", g => new Sequential(new Linear(5, 4, generator: g), new ReLU(), new Linear(4, 2, generator: g)))
                .With(S([3, 2], Normal(3, 5))),
            Seeded("Sequential(conv,batchnorm,pool)", g => new Sequential(
                    new Conv2d(2, 3, 3, padding: 1, generator: g), new BatchNorm2d(3), new Tanh(), new MaxPool2d(2), new Flatten(), new Linear(12, 2, generator: g)))
                .With(S([2, 2], Normal(2, 2, 4, 4))),
            Seeded("ModuleList", g => new ModuleList(new Linear(5, 4, generator: g), new LayerNorm(4), new Linear(4, 3, generator: g)))
                .Calling<ModuleList>((m, x) => m[2].Forward(m[1].Forward(m[0].Forward(x[0])).Tanh()))
                .With(S([2, 3], Normal(2, 5))),
            Seeded("ModuleDict", g => new ModuleDict([new("enc", new Linear(5, 4, generator: g)), new("norm", new BatchNorm1d(4)), new("dec", new Linear(4, 2, generator: g))]))
                .Calling<ModuleDict>((m, x) => m["dec"].Forward(m["norm"].Forward(m["enc"].Forward(x[0])).Sigmoid()))
                .With(S([6, 2], Normal(6, 5))),
        ];
        var byName = new Dictionary<string, ModuleEntry>();
        foreach (var e in entries)
            if (!byName.TryAdd(e.Name, e)) throw new InvalidOperationException($"ModuleRegistry: duplicate entry name '{e.Name}'.");
        return byName;
    }
}
