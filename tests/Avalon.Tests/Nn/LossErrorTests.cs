using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>Bad inputs to the losses and activations → exceptions whose messages name the operation and the problem.</summary>
public sealed class LossErrorTests
{
    private static Tensor Logits(params int[] shape) => Tensor.Randn(shape, new Generator(1));

    private static Tensor Classes(params long[] values) => Tensor.From(values);

    public static IEnumerable<object[]> BadArguments()
    {
        object[] Case(string name, Action act, params string[] fragments) => [name, act, fragments];

        yield return Case("class index too large", () => Functional.CrossEntropy(Logits(3, 5), Classes(0, 5, 1)), "cross_entropy", "target 5 is out of bounds", "[0, 5)");
        yield return Case("negative class index", () => Functional.NllLoss(Logits(3, 5), Classes(0, -1, 1)), "nll_loss", "target -1 is out of bounds");
        yield return Case("ignore_index does not excuse other negatives", () => Functional.CrossEntropy(Logits(2, 4), Classes(-100, -2)), "target -2");
        yield return Case("int32 class indices", () => Functional.CrossEntropy(Logits(3, 5), Tensor.From(new[] { 0, 1, 2 })), "dtype int64", "int32");
        yield return Case("float targets of another shape", () => Functional.CrossEntropy(Logits(3, 5), Tensor.Zeros(3)), "int64", "Probability targets must have the input's shape");
        yield return Case("target batch mismatch", () => Functional.CrossEntropy(Logits(4, 5), Classes(0, 1, 2)), "expected target of shape [4]", "[3]");
        yield return Case("K-dim target mismatch", () => Functional.NllLoss(Logits(2, 3, 4), Tensor.Zeros([2, 3], DType.Int64)), "expected target of shape [2, 4]");
        yield return Case("unbatched input with batched target", () => Functional.CrossEntropy(Logits(5), Classes(1)), "0-dim target");
        yield return Case("class weight of wrong size", () => Functional.CrossEntropy(Logits(3, 5), Classes(0, 1, 2), Tensor.Ones(4)), "all 5 classes", "[4]");
        yield return Case("class weight of another dtype", () => Functional.NllLoss(Logits(3, 5), Classes(0, 1, 2), Tensor.Ones([5], DType.Float64)), "weight", "float64");
        yield return Case("label smoothing above 1", () => Functional.CrossEntropy(Logits(3, 5), Classes(0, 1, 2), labelSmoothing: 1.5), "label_smoothing", "1.5");
        yield return Case("ignore_index with probabilities", () => Functional.CrossEntropy(Logits(3, 5), Logits(3, 5).Softmax(1), ignoreIndex: 0), "ignore_index", "probability");
        yield return Case("integer logits", () => Functional.CrossEntropy(Tensor.Zeros([3, 5], DType.Int64), Classes(0, 1, 2)), "cross_entropy", "floating-point");
        yield return Case("mse shapes differ", () => Functional.MseLoss(Logits(3, 4), Logits(4)), "mse_loss", "[4]", "[3, 4]", "nothing is broadcast");
        yield return Case("mse dtypes differ", () => Functional.MseLoss(Logits(3), Tensor.Zeros([3], DType.Float64)), "mse_loss", "float64");
        yield return Case("bce input above 1", () => Functional.BinaryCrossEntropy(Tensor.From(new[] { 0.5f, 1.5f }), Tensor.Zeros(2)), "binary_cross_entropy", "between 0 and 1", "1.5");
        yield return Case("bce weight not broadcastable", () => Functional.BinaryCrossEntropy(Tensor.Full([2, 3], 0.5), Tensor.Zeros(2, 3), Tensor.Ones(2)), "weight of shape [2]", "[2, 3]");
        yield return Case("pos_weight not broadcastable", () => Functional.BinaryCrossEntropyWithLogits(Logits(2, 3), Tensor.Zeros(2, 3), posWeight: Tensor.Ones(4)), "pos_weight");
        yield return Case("batchmean outside kl_div", () => Functional.L1Loss(Logits(3), Logits(3), Reduction.BatchMean), "l1_loss", "BatchMean", "KlDiv");
        yield return Case("negative smooth l1 beta", () => Functional.SmoothL1Loss(Logits(3), Logits(3), beta: -1), "smooth_l1_loss", "beta");
        yield return Case("zero huber delta", () => Functional.HuberLoss(Logits(3), Logits(3), delta: 0), "huber_loss", "delta");
        yield return Case("cosine embedding 2-D target", () => Functional.CosineEmbeddingLoss(Logits(3, 4), Logits(3, 4), Tensor.Ones(3, 1)), "cosine_embedding_loss", "multi-target");
        yield return Case("cosine embedding rank mismatch", () => Functional.CosineEmbeddingLoss(Logits(3, 4, 2), Logits(3, 4, 2), Tensor.Ones(3)), "1D target tensor expects 2D input tensors");
        yield return Case("margin ranking shapes differ", () => Functional.MarginRankingLoss(Logits(3), Logits(4), Tensor.Ones(3)), "margin_ranking_loss", "input2");
        yield return Case("triplet shapes differ", () => Functional.TripletMarginLoss(Logits(3, 4), Logits(3, 4), Logits(3, 5)), "triplet_margin_loss", "negative");
        yield return Case("glu odd size", () => Functional.Glu(Logits(2, 5)), "glu", "even", "size 5");
        yield return Case("gelu approximation", () => Functional.Gelu(Logits(2), "erf"), "gelu", "\"erf\"");
        yield return Case("hardtanh bounds reversed", () => Functional.Hardtanh(Logits(2), 1, -1), "hardtanh", "max_val");
        yield return Case("prelu weight size", () => Functional.PRelu(Logits(2, 3, 4), Tensor.Ones(4)), "prelu", "4 elements", "3 channels");
        yield return Case("activation of integers", () => Functional.Elu(Tensor.Zeros([2], DType.Int64)), "elu", "floating-point", "int64");
    }

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void MessageNamesTheProblem(string name, Action act, string[] fragments)
    {
        var ex = Record.Exception(act);
        Assert.True(ex is ArgumentException, $"{name}: expected an argument error, got {ex?.GetType().Name ?? "none"}");
        foreach (var fragment in fragments)
            Assert.True(ex!.Message.Contains(fragment, StringComparison.Ordinal), $"{name}: message \"{ex.Message}\" lacks \"{fragment}\"");
    }

    [Fact]
    public void OutOfRangeClassIsAnArgumentOutOfRangeError()
    {
        var loss = new CrossEntropyLoss();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => loss.Forward(Logits(2, 3), Classes(1, 3)));
        Assert.Equal(3L, e.ActualValue);
        Assert.Contains("[0, 3)", e.Message);
    }
}
