using System.Text.Json;
using Avalon.Nn;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn;

/// <summary>
/// Scaled dot-product attention, MultiheadAttention, the Transformer layers and stacks, and RMSNorm against
/// PyTorch's values in Data/Reference/attention.json (tests/reference/generate_attention_references.py): load
/// the case's parameters, run forward with its masks, backward with its output gradients, and compare the
/// outputs, the input gradients and the parameter gradients.
/// </summary>
public sealed class AttentionReferenceTests
{
    private static readonly string[] s_kinds =
    [
        "scaled_dot_product_attention", "MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
        "TransformerEncoder", "TransformerDecoder", "Transformer", "RMSNorm",
    ];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in ReferenceData.Load("attention").Cases) data.Add(c.Name);
        return data;
    }

    [Fact]
    public void EveryKindHasCases()
    {
        var data = ReferenceData.Load("attention");
        foreach (var kind in s_kinds) Assert.NotEmpty(data.OfKind(kind));
        Assert.All(data.Cases, c => Assert.Contains(c.Kind, s_kinds));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = ReferenceData.Load("attention")[name];
        switch (c.Kind)
        {
            case "scaled_dot_product_attention": CheckSdpa(c); break;
            case "RMSNorm": CheckRmsNorm(c); break;
            default: CheckMaskedModule(c); break;
        }
    }

    private static (double Rtol, double Atol) Tolerance(DType dtype) => dtype == DType.Float64 ? (1e-9, 1e-11) : (1e-4, 2e-5);

    private static void CheckSdpa(ReferenceCase c)
    {
        var inputs = c.Tensors("inputs").Select(t => NnTestUtil.ToTensor(t!).RequiresGrad_()).ToArray();
        var mask = c.TensorOrNull("attn_mask") is { } m ? NnTestUtil.ToTensor(m) : null;
        double? scale = c.Args.TryGetProperty("scale", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : null;
        var y = Functional.ScaledDotProductAttention(inputs[0], inputs[1], inputs[2], mask, isCausal: c.ArgBool("is_causal", false), scale: scale);
        var (rtol, atol) = Tolerance(inputs[0].DType);
        NnTestUtil.AssertClose(c.Tensor("output"), y, c.Name + " output", rtol, atol);
        y.Backward(NnTestUtil.ToTensor(c.Tensor("grad_output")));
        var grads = c.Tensors("grad_inputs");
        for (int i = 0; i < 3; i++) NnTestUtil.AssertClose(grads[i]!, inputs[i].Grad!, $"{c.Name} grad of input {i}", rtol, atol);
    }

    private static void CheckRmsNorm(ReferenceCase c)
    {
        var input = NnTestUtil.ToTensor(c.Tensors("inputs")[0]!).RequiresGrad_();
        var shape = c.Args.GetProperty("normalized_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double? eps = c.Args.GetProperty("eps").ValueKind == JsonValueKind.Number ? c.Args.GetProperty("eps").GetDouble() : null;
        var module = new RMSNorm(shape, eps, c.ArgBool("elementwise_affine", true), input.DType);
        Load(module, c);
        var y = module.Forward(input);
        var (rtol, atol) = Tolerance(input.DType);
        NnTestUtil.AssertClose(c.Tensor("output"), y, c.Name + " output", rtol, atol);
        y.Backward(NnTestUtil.ToTensor(c.Tensor("grad_output")));
        NnTestUtil.AssertClose(c.Tensors("grad_inputs")[0]!, input.Grad!, c.Name + " grad of input", rtol, atol);
        CheckParameterGradients(c, module, rtol, atol);
    }

    private static void CheckMaskedModule(ReferenceCase c)
    {
        var inputs = c.Tensors("inputs").Select(t => NnTestUtil.ToTensor(t!)).ToArray();
        var dtype = inputs[0].DType;
        var module = Build(c, dtype);
        Load(module, c);
        module.Train(c.Json.GetProperty("train").GetBoolean());
        var masks = Masks(c, dtype);
        bool nan = c.Has("outputs_isnan");
        if (!nan)
            foreach (var x in inputs) x.RequiresGrad_();
        var outputs = Call(c, module, inputs, masks);
        var expected = c.Tensors("outputs");
        Assert.Equal(expected.Count, outputs.Length);
        var (rtol, atol) = Tolerance(dtype);
        if (nan)
        {
            // Fully masked query rows: NaN exactly where PyTorch gives NaN, the other values equal.
            var isNan = c.Tensors("outputs_isnan");
            for (int i = 0; i < outputs.Length; i++)
            {
                var got = outputs[i].ToDoubleArray();
                var expectedNan = isNan[i]!.Data;
                Assert.Contains(expectedNan, v => v != 0);
                for (int j = 0; j < got.Length; j++)
                    Assert.True(double.IsNaN(got[j]) == (expectedNan[j] != 0), $"{c.Name} output {i}[{j}] = {got[j]}, PyTorch NaN: {expectedNan[j] != 0}");
                NnTestUtil.AssertClose(expected[i]!.Data, got.Select(v => double.IsNaN(v) ? 0 : v).ToArray(), $"{c.Name} output {i}", rtol, atol);
            }
            return;
        }
        for (int i = 0; i < outputs.Length; i++) NnTestUtil.AssertClose(expected[i]!, outputs[i], $"{c.Name} output {i}", rtol, atol);

        var gradOutputs = c.Tensors("grad_outputs");
        var loss = outputs[0] * NnTestUtil.ToTensor(gradOutputs[0]!);
        var total = loss.Sum();
        for (int i = 1; i < outputs.Length; i++) total = total + (outputs[i] * NnTestUtil.ToTensor(gradOutputs[i]!)).Sum();
        total.Backward();
        var gradInputs = c.Tensors("grad_inputs");
        Assert.Equal(gradInputs.Count, inputs.Length);
        for (int i = 0; i < inputs.Length; i++)
            NnTestUtil.AssertClose(gradInputs[i]!, inputs[i].Grad!, $"{c.Name} grad of input {i}", rtol, atol);
        CheckParameterGradients(c, module, rtol, atol);
    }

    private static void Load(Module module, ReferenceCase c) =>
        module.LoadStateDict(c.TensorMap("params").ToDictionary(kv => kv.Key, kv => NnTestUtil.ToTensor(kv.Value)));

    private static void CheckParameterGradients(ReferenceCase c, Module module, double rtol, double atol)
    {
        var gradParams = c.TensorMap("grad_params");
        var named = module.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(gradParams.Keys.Order(), named.Keys.Order());
        foreach (var (key, expected) in gradParams)
        {
            Assert.True(named[key].Grad is not null, $"{c.Name}: no gradient on {key}");
            NnTestUtil.AssertClose(expected, named[key].Grad!, $"{c.Name} grad of {key}", rtol, atol);
        }
    }

    /// <summary>The case's masks by PyTorch argument name; a causal float mask is rebuilt with GenerateSquareSubsequentMask.</summary>
    private static Dictionary<string, Tensor> Masks(ReferenceCase c, DType dtype)
    {
        var result = new Dictionary<string, Tensor>();
        if (!c.Json.TryGetProperty("masks", out var masks)) return result;
        foreach (var p in masks.EnumerateObject())
        {
            result[p.Name] = p.Value.TryGetProperty("square_subsequent", out var size)
                ? Transformer.GenerateSquareSubsequentMask(size.GetInt32(), dtype)
                : NnTestUtil.ToTensor(ReferenceTensor.FromJson(p.Value));
        }
        return result;
    }

    private static Module Build(ReferenceCase c, DType dtype)
    {
        var a = c.Args;
        switch (c.Kind)
        {
            case "MultiheadAttention":
                return new MultiheadAttention(c.ArgInt("embed_dim", -1), c.ArgInt("num_heads", -1), c.ArgDouble("dropout", 0), c.ArgBool("bias", true),
                    c.ArgBool("add_bias_kv", false), c.ArgBool("add_zero_attn", false), c.HasArg("kdim") ? c.ArgInt("kdim", 0) : null,
                    c.HasArg("vdim") ? c.ArgInt("vdim", 0) : null, c.ArgBool("batch_first", false), dtype, new Generator(1));
            case "TransformerEncoderLayer":
                return EncoderLayer(a, dtype);
            case "TransformerDecoderLayer":
                return DecoderLayer(a, dtype);
            case "TransformerEncoder":
                return new TransformerEncoder(EncoderLayer(a.GetProperty("layer"), dtype), a.GetProperty("num_layers").GetInt32(),
                    a.GetProperty("norm").GetBoolean() ? new LayerNorm(EncoderLayer(a.GetProperty("layer"), dtype).DModel, dtype: dtype) : null);
            case "TransformerDecoder":
                var layer = DecoderLayer(a.GetProperty("layer"), dtype);
                return new TransformerDecoder(layer, a.GetProperty("num_layers").GetInt32(),
                    a.GetProperty("norm").GetBoolean() ? new LayerNorm(layer.DModel, dtype: dtype) : null);
            case "Transformer":
                return new Transformer(c.ArgInt("d_model", 512), c.ArgInt("nhead", 8), c.ArgInt("num_encoder_layers", 6), c.ArgInt("num_decoder_layers", 6),
                    c.ArgInt("dim_feedforward", 2048), c.ArgDouble("dropout", 0.1), c.ArgString("activation", "relu"), null, null,
                    c.ArgDouble("layer_norm_eps", 1e-5), c.ArgBool("batch_first", false), c.ArgBool("norm_first", false), dtype, new Generator(1));
            default:
                throw new NotSupportedException(c.Kind);
        }
    }

    private static T Get<T>(JsonElement a, string name, T fallback, Func<JsonElement, T> read) =>
        a.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? read(v) : fallback;

    private static TransformerEncoderLayer EncoderLayer(JsonElement a, DType dtype) => new(
        Get(a, "d_model", 0, v => v.GetInt32()), Get(a, "nhead", 0, v => v.GetInt32()), Get(a, "dim_feedforward", 2048, v => v.GetInt32()),
        Get(a, "dropout", 0.1, v => v.GetDouble()), Get(a, "activation", "relu", v => v.GetString()!), Get(a, "layer_norm_eps", 1e-5, v => v.GetDouble()),
        Get(a, "batch_first", false, v => v.GetBoolean()), Get(a, "norm_first", false, v => v.GetBoolean()), dtype, new Generator(1));

    private static TransformerDecoderLayer DecoderLayer(JsonElement a, DType dtype) => new(
        Get(a, "d_model", 0, v => v.GetInt32()), Get(a, "nhead", 0, v => v.GetInt32()), Get(a, "dim_feedforward", 2048, v => v.GetInt32()),
        Get(a, "dropout", 0.1, v => v.GetDouble()), Get(a, "activation", "relu", v => v.GetString()!), Get(a, "layer_norm_eps", 1e-5, v => v.GetDouble()),
        Get(a, "batch_first", false, v => v.GetBoolean()), Get(a, "norm_first", false, v => v.GetBoolean()), dtype, new Generator(1));

    private static Tensor[] Call(ReferenceCase c, Module module, Tensor[] x, Dictionary<string, Tensor> m)
    {
        Tensor? Mask(string key) => m.GetValueOrDefault(key);
        switch (module)
        {
            case MultiheadAttention mha:
                var f = c.Json.GetProperty("forward");
                var q = x[0];
                var k = x.Length > 1 ? x[1] : q;
                var v = x.Length > 2 ? x[2] : k;
                var (output, weights) = mha.Forward(q, k, v, Mask("key_padding_mask"), f.GetProperty("need_weights").GetBoolean(),
                    Mask("attn_mask"), f.GetProperty("average_attn_weights").GetBoolean());
                return weights is null ? [output] : [output, weights];
            case TransformerEncoderLayer layer:
                return [layer.Forward(x[0], Mask("src_mask"), Mask("src_key_padding_mask"))];
            case TransformerDecoderLayer layer:
                return [layer.Forward(x[0], x[1], Mask("tgt_mask"), Mask("memory_mask"), Mask("tgt_key_padding_mask"), Mask("memory_key_padding_mask"))];
            case TransformerEncoder encoder:
                return [encoder.Forward(x[0], Mask("src_mask"), Mask("src_key_padding_mask"))];
            case TransformerDecoder decoder:
                return [decoder.Forward(x[0], x[1], Mask("tgt_mask"), Mask("memory_mask"), Mask("tgt_key_padding_mask"), Mask("memory_key_padding_mask"))];
            case Transformer transformer:
                return [transformer.Forward(x[0], x[1], Mask("src_mask"), Mask("tgt_mask"), Mask("memory_mask"),
                    Mask("src_key_padding_mask"), Mask("tgt_key_padding_mask"), Mask("memory_key_padding_mask"))];
            default:
                throw new NotSupportedException(module.GetType().Name);
        }
    }
}
