using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>
/// Scaled dot-product attention and multi-head attention beyond the PyTorch reference values: naive float64
/// loops, the mask conventions, dropout statistics and replay, the copies of the Transformer stacks, and bad input.
/// </summary>
public sealed class AttentionBehaviourTests
{
    private static Tensor Randn(Generator g, params int[] shape) => Tensor.Randn(shape, g).To(DType.Float64);

    /// <summary>softmax(q kᵀ · scale + bias) v for [B, L, E] × [B, S, E] × [B, S, Ev] in float64 loops; bias[i, j] may be −∞.</summary>
    private static double[] NaiveAttention(double[] q, double[] k, double[] v, int b, int l, int s, int e, int ev, Func<int, int, double> bias, double scale)
    {
        var result = new double[b * l * ev];
        for (int n = 0; n < b; n++)
        {
            for (int i = 0; i < l; i++)
            {
                var scores = new double[s];
                double max = double.NegativeInfinity;
                for (int j = 0; j < s; j++)
                {
                    double dot = 0;
                    for (int c = 0; c < e; c++) dot += q[(n * l + i) * e + c] * k[(n * s + j) * e + c];
                    scores[j] = dot * scale + bias(i, j);
                    max = Math.Max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                for (int j = 0; j < s; j++)
                    for (int c = 0; c < ev; c++) result[(n * l + i) * ev + c] += scores[j] / sum * v[(n * s + j) * ev + c];
            }
        }
        return result;
    }

    [Fact]
    public void CausalAttentionIsTopLeftAlignedAsANaiveLoop()
    {
        var g = new Generator(1);
        var (q, k, v) = (Randn(g, 2, 3, 4), Randn(g, 2, 5, 4), Randn(g, 2, 5, 2));
        var y = Functional.ScaledDotProductAttention(q, k, v, isCausal: true);
        var expected = NaiveAttention(q.ToDoubleArray(), k.ToDoubleArray(), v.ToDoubleArray(), 2, 3, 5, 4, 2,
            (i, j) => j <= i ? 0 : double.NegativeInfinity, 0.5);
        NnTestUtil.AssertClose(expected, y.ToDoubleArray(), "causal sdpa", 1e-12, 1e-12);
    }

    [Fact]
    public void BoolMaskTakesPartWhereTrueUnlikeMultiheadAttention()
    {
        var g = new Generator(2);
        var (q, k, v) = (Randn(g, 2, 3, 4), Randn(g, 2, 4, 4), Randn(g, 2, 4, 3));
        var allowed = Tensor.From(new[] { true, false, true, true, true, true, false, false, false, true, true, true }).Reshape(3, 4);
        var y = Functional.ScaledDotProductAttention(q, k, v, allowed, scale: 0.7);
        var mask = allowed.ToDoubleArray();
        var expected = NaiveAttention(q.ToDoubleArray(), k.ToDoubleArray(), v.ToDoubleArray(), 2, 3, 4, 4, 3,
            (i, j) => mask[i * 4 + j] != 0 ? 0 : double.NegativeInfinity, 0.7);
        NnTestUtil.AssertClose(expected, y.ToDoubleArray(), "bool-masked sdpa", 1e-12, 1e-12);

        // The same positions masked in MultiheadAttention's convention: true = not allowed.
        var additive = Tensor.Where(allowed, 0.0, Tensor.Full([], double.NegativeInfinity, DType.Float64));
        NnTestUtil.AssertClose(y.ToDoubleArray(), Functional.ScaledDotProductAttention(q, k, v, additive, scale: 0.7).ToDoubleArray(), "float mask", 1e-15, 0);
    }

    [Fact]
    public void FullyMaskedQueryRowsAreNaN()
    {
        var g = new Generator(3);
        var (q, k, v) = (Randn(g, 1, 2, 4), Randn(g, 1, 3, 4), Randn(g, 1, 3, 4));
        var allowed = Tensor.From(new[] { true, true, false, false, false, false }).Reshape(2, 3);
        var y = Functional.ScaledDotProductAttention(q, k, v, allowed).ToDoubleArray();
        Assert.All(y[..4], value => Assert.True(double.IsFinite(value)));
        Assert.All(y[4..], value => Assert.True(double.IsNaN(value)));
    }

    [Fact]
    public void AttentionDropoutKeepsEachWeightWithProbabilityOneMinusPAndScalesIt()
    {
        // Zero queries give uniform weights 1/S; with V = I the output is the dropped weight matrix itself.
        const int s = 64;
        const double p = 0.25;
        var q = Tensor.Zeros([8, s, 4], DType.Float64);
        var k = Randn(new Generator(4), 8, s, 4);
        var v = Tensor.Eye(s, dtype: DType.Float64).Unsqueeze(0).Expand(8, s, s);
        var y = Functional.ScaledDotProductAttention(q, k, v, dropoutP: p, generator: new Generator(5)).ToDoubleArray();
        int zeros = y.Count(value => value == 0);
        Assert.All(y, value => Assert.True(value == 0 || Math.Abs(value - 1.0 / s / (1 - p)) < 1e-15, $"dropped weight {value}"));
        double n = y.Length, sigma = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(zeros, n * p - 4 * sigma, n * p + 4 * sigma);

        var again = Functional.ScaledDotProductAttention(q, k, v, dropoutP: p, generator: new Generator(5)).ToDoubleArray();
        var other = Functional.ScaledDotProductAttention(q, k, v, dropoutP: p, generator: new Generator(6)).ToDoubleArray();
        Assert.Equal(y, again);
        Assert.NotEqual(y, other);
    }

    [Fact]
    public void MultiheadAttentionDropoutOnlyInTrainingAndTheReplayDrawsFreshMasks()
    {
        var mha = new MultiheadAttention(8, 2, dropout: 0.5, generator: new Generator(7));
        var x = Tensor.Randn([5, 2, 8], new Generator(8));
        mha.Eval();
        var eval1 = mha.Forward(x).ToDoubleArray();
        Assert.Equal(eval1, mha.Forward(x).ToDoubleArray());
        var noDropout = new MultiheadAttention(8, 2, generator: new Generator(7)).Eval();
        NnTestUtil.AssertClose(noDropout.Forward(x).ToDoubleArray(), eval1, "eval ignores dropout", 0, 0);

        mha.Train();
        mha.Generator = new Generator(9);
        var eager1 = mha.Forward(x).ToDoubleArray();
        var eager2 = mha.Forward(x).ToDoubleArray();
        Assert.NotEqual(eager1, eager2);

        // Traced once (two attention calls, two seeds), replayed twice: each replay draws fresh seeds from the
        // generator the trace captured, continuing its stream exactly as further eager calls would.
        var generator = new Generator(9);
        mha.Generator = generator;
        var step = Grad.TraceStep(mha, xs => [mha.Forward(xs[0]).Sum(), mha.Forward(xs[0]).Mean()], x);
        var r1 = step.Run(x).Outputs;
        var r2 = step.Run(x).Outputs;
        mha.Generator = new Generator(9);
        var eager = Enumerable.Range(0, 6).Select(_ => mha.Forward(x)).ToArray();
        Assert.Equal(eager[2].Sum().Item<float>(), r1[0].Item<float>(), 4);
        Assert.Equal(eager[3].Mean().Item<float>(), r1[1].Item<float>(), 5);
        Assert.Equal(eager[4].Sum().Item<float>(), r2[0].Item<float>(), 4);
        Assert.NotEqual(r1[0].Item<float>(), r2[0].Item<float>());
    }

    [Fact]
    public void KeyPaddingMaskEqualsTheSameKeysMaskedByAttnMaskAndByFloatMasks()
    {
        var mha = new MultiheadAttention(6, 3, dtype: DType.Float64, generator: new Generator(10));
        var g = new Generator(11);
        var (q, k) = (Randn(g, 2, 2, 6), Randn(g, 4, 2, 6));
        var padding = Tensor.From(new[] { false, true, false, true, false, false, true, false }).Reshape(2, 4);
        var (byPadding, w1) = mha.Forward(q, k, k, keyPaddingMask: padding);
        // [N·H, L, S]: sample n's mask for each of its heads.
        var perHead = padding.Reshape(2, 1, 1, 4).Expand(2, 3, 2, 4).Reshape(6, 2, 4);
        var (byAttnMask, w2) = mha.Forward(q, k, k, attnMask: perHead);
        var floatPadding = Tensor.Where(padding, Tensor.Full([], double.NegativeInfinity, DType.Float64), 0.0);
        var (byFloat, _) = mha.Forward(q, k, k, keyPaddingMask: floatPadding);
        NnTestUtil.AssertClose(byPadding.ToDoubleArray(), byAttnMask.ToDoubleArray(), "attn_mask", 1e-14, 1e-14);
        NnTestUtil.AssertClose(byPadding.ToDoubleArray(), byFloat.ToDoubleArray(), "float key_padding_mask", 1e-14, 1e-14);
        NnTestUtil.AssertClose(w1!.ToDoubleArray(), w2!.ToDoubleArray(), "weights", 1e-14, 1e-14);
        // The padded keys get zero weight; every row sums to one.
        var w = w1!.ToDoubleArray();
        var pad = padding.ToDoubleArray();
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 2; i++)
            {
                double rowSum = 0;
                for (int j = 0; j < 4; j++)
                {
                    double value = w[(n * 2 + i) * 4 + j];
                    rowSum += value;
                    if (pad[n * 4 + j] != 0) Assert.Equal(0, value);
                }
                Assert.Equal(1, rowSum, 12);
            }
    }

    [Fact]
    public void PerHeadWeightsAverageToTheReturnedMean()
    {
        var mha = new MultiheadAttention(8, 4, batchFirst: true, dtype: DType.Float64, generator: new Generator(12));
        var g = new Generator(13);
        var (q, k) = (Randn(g, 2, 3, 8), Randn(g, 2, 5, 8));
        var (_, perHead) = mha.Forward(q, k, k, averageAttnWeights: false);
        var (_, mean) = mha.Forward(q, k, k);
        Assert.Equal(new Shape(2, 4, 3, 5), perHead!.Shape);
        NnTestUtil.AssertClose(perHead.Mean(1).ToDoubleArray(), mean!.ToDoubleArray(), "mean of heads", 1e-14, 1e-15);
        Assert.Null(mha.Forward(q, k, k, needWeights: false).Weights);
    }

    [Fact]
    public void StateDictKeysAndOrderAreTorchs()
    {
        // The orders PyTorch 1.13 lists (named parameters first, then out_proj).
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], new MultiheadAttention(4, 2).StateDict().Keys);
        Assert.Equal(["q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k", "bias_v", "out_proj.weight"],
            new MultiheadAttention(4, 2, bias: false, addBiasKv: true, kdim: 3, vdim: 5).StateDict().Keys);
        var encoder = new TransformerEncoder(new TransformerEncoderLayer(4, 2, 8), 2, new LayerNorm(4));
        var keys = encoder.StateDict().Keys.ToList();
        Assert.Equal(26, keys.Count);
        Assert.Equal(["layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias", "layers.0.self_attn.out_proj.weight",
            "layers.0.self_attn.out_proj.bias", "layers.0.linear1.weight", "layers.0.linear1.bias", "layers.0.linear2.weight",
            "layers.0.linear2.bias", "layers.0.norm1.weight", "layers.0.norm1.bias", "layers.0.norm2.weight", "layers.0.norm2.bias"], keys[..12]);
        Assert.Equal(["norm.weight", "norm.bias"], keys[^2..]);
    }

    [Fact]
    public void StacksHoldIndependentCopiesOfTheLayer()
    {
        var layer = new TransformerEncoderLayer(4, 2, 8, generator: new Generator(14));
        var encoder = new TransformerEncoder(layer, 3);
        var prototype = layer.StateDict();
        foreach (var copy in encoder.Layers)
        {
            var state = copy.StateDict();
            foreach (var (key, value) in prototype) Assert.Equal(value.ToDoubleArray(), state[key].ToDoubleArray());
            Assert.DoesNotContain(copy.Parameters(), p => layer.Parameters().Any(q => ReferenceEquals(p.Storage, q.Storage)));
        }
        using (new NoGrad()) ((TransformerEncoderLayer)encoder.Layers[0]).Linear1.Weight.Fill_(0);
        Assert.NotEqual(0, ((TransformerEncoderLayer)encoder.Layers[1]).Linear1.Weight.Abs().Sum().Item<float>());
        Assert.NotEqual(0, layer.Linear1.Weight.Abs().Sum().Item<float>());
    }

    [Fact]
    public void TransformerRedrawsMatricesXavierUniformAndKeepsBiasesAndNorms()
    {
        var t = new Transformer(8, 2, 1, 1, 16, generator: new Generator(15));
        foreach (var (key, p) in t.NamedParameters())
        {
            var values = p.ToDoubleArray();
            if (p.Rank > 1)
            {
                var (fanIn, fanOut) = Init.CalculateFanInAndFanOut(p);
                double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
                Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
                Assert.True(values.Max() > bound / 2, $"{key}: samples do not spread over the Xavier range");
            }
            else if (key.Contains("norm") && key.EndsWith("weight", StringComparison.Ordinal)) Assert.All(values, v => Assert.Equal(1, v));
            else if (key.EndsWith("in_proj_bias", StringComparison.Ordinal) || key.EndsWith("out_proj.bias", StringComparison.Ordinal)) Assert.All(values, v => Assert.Equal(0, v));
        }
        var mask = Transformer.GenerateSquareSubsequentMask(3).ToDoubleArray();
        Assert.Equal([0, double.NegativeInfinity, double.NegativeInfinity, 0, 0, double.NegativeInfinity, 0, 0, 0], mask);
    }

    [Fact]
    public void BadInputNamesTheOperationAndTheShapes()
    {
        var q = Tensor.Zeros(2, 3, 4);
        Assert.Contains("last dim", Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, Tensor.Zeros(2, 5, 3), Tensor.Zeros(2, 5, 3))).Message);
        Assert.Contains("is_causal", Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, q, q, Tensor.Zeros(3, 3), isCausal: true)).Message);
        Assert.Contains("attn_mask of shape [4, 3]", Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, q, q, Tensor.Zeros(4, 3))).Message);
        Assert.Contains("divisible", Assert.Throws<ArgumentException>(() => new MultiheadAttention(6, 4)).Message);
        var mha = new MultiheadAttention(4, 2);
        var x = Tensor.Zeros(3, 2, 4);
        var ex = Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, attnMask: Tensor.Zeros(3, 2)));
        Assert.Contains("multi_head_attention_forward", ex.Message);
        Assert.Contains("[3, 2], but should be [3, 3]", ex.Message);
        Assert.Contains("key_padding_mask shape of [2, 3]", Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, keyPaddingMask: Tensor.Zeros([3, 2], DType.Bool))).Message);
        Assert.Contains("embedding dimension of 4, but got 5", Assert.Throws<ArgumentException>(() => mha.Forward(Tensor.Zeros(3, 2, 5))).Message);
        Assert.Contains("only bool and floating", Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, keyPaddingMask: Tensor.Zeros([2, 3], DType.Int64))).Message);
        Assert.Contains("relu/gelu, not tanh", Assert.Throws<ArgumentException>(() => new TransformerEncoderLayer(4, 2, activation: "tanh")).Message);
        var t = new Transformer(4, 2, 1, 1, 8);
        Assert.Contains("batch number", Assert.Throws<ArgumentException>(() => t.Forward(Tensor.Zeros(3, 2, 4), Tensor.Zeros(3, 1, 4))).Message);
        Assert.Contains("d_model (4)", Assert.Throws<ArgumentException>(() => t.Forward(Tensor.Zeros(3, 2, 4), Tensor.Zeros(3, 2, 5))).Message);
    }
}
