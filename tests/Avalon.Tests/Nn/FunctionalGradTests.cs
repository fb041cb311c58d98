using Avalon.Nn;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Tests.Nn;

/// <summary>
/// Finite-difference checks (first and second order, float64) of the activations and losses, which are
/// composites of primitives: their gradients come from the primitives' rules, so this checks that each
/// composite is differentiable twice and that no branch leaks a NaN or a wrong mask. Inputs stay away
/// from kinks (0, ±λ, range bounds), where finite differences are not meaningful.
/// </summary>
public sealed class FunctionalGradTests
{
    private static Tensor R(int seed, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)seed), DType.Float64);

    // Normal samples scaled by `scale` and pushed at least `gap` away from every point in `kinks`.
    private static Tensor Away(int seed, int[] shape, double scale = 2, double gap = 0.05, params double[] kinks)
    {
        var x = R(seed, shape).ToDoubleArray();
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= scale;
            foreach (double k in kinks)
                if (Math.Abs(x[i] - k) < gap) x[i] = k + (x[i] >= k ? gap : -gap);
        }
        return Tensor.From(x).Reshape(shape);
    }

    private static Tensor Probabilities(int seed, params int[] shape) => (R(seed, shape).Sigmoid() * 0.9) + 0.05;

    private static Tensor Labels(int seed, int n)
    {
        var r = R(seed, n).ToDoubleArray();
        return Tensor.From(r.Select(v => v >= 0 ? 1.0 : -1.0).ToArray());
    }

    private static readonly int[] s_shape = [3, 4];

    private static IEnumerable<GradCheckCase> All()
    {
        yield return new("relu", "", x => Functional.Relu(x[0]), [Away(1, s_shape, kinks: 0)]);
        yield return new("relu6", "", x => Functional.Relu6(x[0]), [Away(2, s_shape, 4, kinks: [0, 6])]);
        yield return new("leaky_relu", "slope 0.2", x => Functional.LeakyRelu(x[0], 0.2), [Away(3, s_shape, kinks: 0)]);
        yield return new("elu", "alpha 0.5", x => Functional.Elu(x[0], 0.5), [Away(4, s_shape, kinks: 0)]);
        yield return new("selu", "", x => Functional.Selu(x[0]), [Away(5, s_shape, kinks: 0)]);
        yield return new("celu", "alpha 2", x => Functional.Celu(x[0], 2), [Away(6, s_shape, kinks: 0)]);
        yield return new("gelu", "none", x => Functional.Gelu(x[0]), [R(7, s_shape) * 2]);
        yield return new("gelu", "tanh", x => Functional.Gelu(x[0], "tanh"), [R(8, s_shape) * 2]);
        yield return new("silu", "", x => Functional.Silu(x[0]), [R(9, s_shape) * 2]);
        yield return new("mish", "", x => Functional.Mish(x[0]), [R(10, s_shape) * 2]);
        yield return new("log_sigmoid", "", x => Functional.LogSigmoid(x[0]), [Away(11, s_shape, 3, kinks: 0)]);
        yield return new("hardtanh", "[-0.5, 2]", x => Functional.Hardtanh(x[0], -0.5, 2), [Away(12, s_shape, kinks: [-0.5, 2])]);
        yield return new("hardsigmoid", "", x => Functional.Hardsigmoid(x[0]), [Away(13, s_shape, 3, kinks: [-3, 3])]);
        yield return new("hardswish", "", x => Functional.Hardswish(x[0]), [Away(14, s_shape, 3, kinks: [-3, 3])]);
        yield return new("softplus", "beta 2 threshold 5", x => Functional.Softplus(x[0], 2, 5), [Away(15, s_shape, 3, kinks: 2.5)]);
        yield return new("softsign", "", x => Functional.Softsign(x[0]), [Away(16, s_shape, kinks: 0)]);
        yield return new("softmin", "dim 1", x => Functional.Softmin(x[0], 1), [R(17, s_shape)]);
        yield return new("glu", "dim 0", x => Functional.Glu(x[0], 0), [R(18, 4, 3)]);
        yield return new("prelu", "per channel", x => Functional.PRelu(x[0], x[1]), [Away(19, [2, 3, 2], kinks: 0), R(20, 3)]);
        yield return new("threshold", "", x => Functional.Threshold(x[0], 0.5, -2), [Away(21, s_shape, kinks: 0.5)]);
        yield return new("hardshrink", "", x => Functional.Hardshrink(x[0], 0.5), [Away(22, s_shape, kinks: [-0.5, 0.5])]);
        yield return new("softshrink", "", x => Functional.Softshrink(x[0], 0.5), [Away(23, s_shape, kinks: [-0.5, 0.5])]);
        yield return new("tanhshrink", "", x => Functional.Tanhshrink(x[0]), [R(24, s_shape)]);

        var (a, b) = (R(30, s_shape), Away(31, s_shape, kinks: 0));
        yield return new("mse_loss", "sum", x => Functional.MseLoss(x[0], x[1], Reduction.Sum), [a, R(32, s_shape)]);
        yield return new("l1_loss", "none", x => Functional.L1Loss(x[0] + x[1], x[1], Reduction.None), [b, R(33, s_shape)]);
        yield return new("smooth_l1_loss", "beta 0.5", x => Functional.SmoothL1Loss(x[0] + x[1], x[1], Reduction.None, 0.5),
            [Away(34, s_shape, kinks: [-0.5, 0, 0.5]), R(35, s_shape)]);
        yield return new("huber_loss", "delta 2", x => Functional.HuberLoss(x[0] + x[1], x[1], Reduction.Mean, 2),
            [Away(36, s_shape, kinks: [-2, 0, 2]), R(37, s_shape)]);
        var classes = Tensor.From(new long[] { 0, 4, 2, 4, 1 });
        var weight = R(38, 5).Abs() + 0.5;
        yield return new("cross_entropy", "weight, ignore 4, smoothing", x => Functional.CrossEntropy(x[0], classes, x[1], ignoreIndex: 4, labelSmoothing: 0.15),
            [R(39, 5, 5), weight]) { Wrt = [0] };
        yield return new("cross_entropy", "probabilities, K-dim", x => Functional.CrossEntropy(x[0], x[1], labelSmoothing: 0.2, reduction: Reduction.Sum),
            [R(40, 2, 4, 3), R(41, 2, 4, 3).Softmax(1)]);
        yield return new("nll_loss", "K-dim, weight", x => Functional.NllLoss(x[0], Tensor.From(new long[] { 0, 2, 1, 2 }).Reshape(2, 2), x[1]),
            [R(42, 2, 3, 2), weight.Narrow(0, 0, 3)]) { Wrt = [0] };
        yield return new("binary_cross_entropy", "weight", x => Functional.BinaryCrossEntropy(x[0], x[1], x[2], Reduction.Sum),
            [Probabilities(43, s_shape), Probabilities(44, s_shape), R(45, 4).Abs()]) { Wrt = [0, 1] };
        yield return new("binary_cross_entropy_with_logits", "weight, pos_weight",
            x => Functional.BinaryCrossEntropyWithLogits(x[0], x[1], x[2], Reduction.Mean, x[3]),
            [Away(46, s_shape, 3, kinks: 0), Probabilities(47, s_shape), R(48, 4).Abs(), R(49, 4).Abs() + 0.5]) { Wrt = [0, 1] };
        yield return new("kl_div", "batchmean", x => Functional.KlDiv(x[0], x[1], Reduction.BatchMean),
            [R(50, s_shape).LogSoftmax(1), R(51, s_shape).Softmax(1)]);
        yield return new("kl_div", "log_target", x => Functional.KlDiv(x[0], x[1], Reduction.Sum, logTarget: true),
            [R(52, s_shape).LogSoftmax(1), R(53, s_shape).LogSoftmax(1)]);
        yield return new("cosine_embedding_loss", "margin -0.2", x => Functional.CosineEmbeddingLoss(x[0], x[1], Labels(54, 4), -0.2, Reduction.None),
            [R(55, 4, 5), R(56, 4, 5)]);
        yield return new("margin_ranking_loss", "margin 0.5", x => Functional.MarginRankingLoss(x[0], x[1], Labels(57, 6), 0.5, Reduction.None),
            [R(58, 6), R(59, 6) + 0.3]);
        yield return new("triplet_margin_loss", "p 2, swap", x => Functional.TripletMarginLoss(x[0], x[1], x[2], margin: 3, swap: true, reduction: Reduction.None),
            [R(60, 4, 5), R(61, 4, 5), R(62, 4, 5)]);
        yield return new("triplet_margin_loss", "p 3", x => Functional.TripletMarginLoss(x[0], x[1], x[2], margin: 3, p: 3, reduction: Reduction.Sum),
            [R(63, 4, 5), R(64, 4, 5), R(65, 4, 5)]);

        // Attention, normalisation and position embeddings.
        var keep = Tensor.From(new[] { true, false, true, true, true, false, true, true, true, false, false, true }).Reshape(3, 4);
        yield return new("scaled_dot_product_attention", "", x => Functional.ScaledDotProductAttention(x[0], x[1], x[2]),
            [R(70, 2, 3, 4), R(71, 2, 4, 4), R(72, 2, 4, 2)]);
        yield return new("scaled_dot_product_attention", "causal, scale 0.7", x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true, scale: 0.7),
            [R(73, 2, 3, 4), R(74, 2, 4, 4), R(75, 2, 4, 2)]);
        yield return new("scaled_dot_product_attention", "bool mask", x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], keep),
            [R(76, 2, 3, 4), R(77, 2, 4, 4), R(78, 2, 4, 2)]);
        yield return new("scaled_dot_product_attention", "float mask", x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], x[3]),
            [R(79, 2, 3, 4), R(80, 2, 4, 4), R(81, 2, 4, 2), R(82, 3, 4)]);
        yield return new("rms_norm", "weight", x => Functional.RmsNorm(x[0], [4], x[1], 1e-3), [R(83, 3, 4), R(84, 4)]);
        var (cos, sin) = Functional.RotaryCosSin(Functional.RotaryInverseFrequencies(4, dtype: DType.Float64), 3, 2);
        yield return new("apply_rotary_emb", "offset 2", x => Functional.ApplyRotaryEmbedding(x[0], cos, sin), [R(85, 2, 3, 4)]);
    }

    public static IEnumerable<object[]> Cases() => All().Select(c => new object[] { c.ToString() });

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferences(string name) => GradChecker.Check(All().Single(c => c.ToString() == name));
}
