using Avalon.Nn;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn;

/// <summary>
/// Every loss module against PyTorch's values in Data/Reference/losses.json: forward output and the
/// gradient of every floating-point input that PyTorch differentiated.
/// </summary>
public sealed class LossReferenceTests
{
    public static IEnumerable<object[]> Cases() => ReferenceData.Load("losses").Cases.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = ReferenceData.Load("losses")[name];
        var inputs = c.Tensors("inputs").Select(t => NnTestUtil.ToTensor(t!)).ToArray();
        var gradRefs = c.Tensors("grad_inputs");
        for (int i = 0; i < inputs.Length; i++)
            if (gradRefs[i] is not null) inputs[i].RequiresGrad_();

        var output = Forward(c, inputs);
        var (rtol, atol) = inputs[0].DType == DType.Float64 ? (1e-10, 1e-12) : (1e-5, 1e-6);
        NnTestUtil.AssertClose(c.Tensor("output"), output, name + " output", rtol, atol);

        output.Backward(NnTestUtil.ToTensor(c.Tensor("grad_output")));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (gradRefs[i] is null) continue;
            Assert.NotNull(inputs[i].Grad);
            NnTestUtil.AssertClose(gradRefs[i]!, inputs[i].Grad!, $"{name} grad of input {i}", rtol, atol);
        }
    }

    internal static Reduction ParseReduction(string text) => text switch
    {
        "none" => Reduction.None,
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        "batchmean" => Reduction.BatchMean,
        _ => throw new NotSupportedException($"reduction {text}"),
    };

    private static Tensor Forward(ReferenceCase c, Tensor[] x)
    {
        var reduction = ParseReduction(c.ArgString("reduction", "mean"));
        Tensor? weight = c.ArgTensor("weight") is { } w ? NnTestUtil.ToTensor(w) : null;
        Tensor? posWeight = c.ArgTensor("pos_weight") is { } pw ? NnTestUtil.ToTensor(pw) : null;
        return c.Kind switch
        {
            "MSELoss" => new MSELoss(reduction).Forward(x[0], x[1]),
            "L1Loss" => new L1Loss(reduction).Forward(x[0], x[1]),
            "SmoothL1Loss" => new SmoothL1Loss(reduction, c.ArgDouble("beta", 1.0)).Forward(x[0], x[1]),
            "HuberLoss" => new HuberLoss(reduction, c.ArgDouble("delta", 1.0)).Forward(x[0], x[1]),
            "CrossEntropyLoss" => new CrossEntropyLoss(weight, c.ArgInt("ignore_index", -100), reduction, c.ArgDouble("label_smoothing", 0))
                .Forward(x[0], x[1]),
            "NLLLoss" => new NLLLoss(weight, c.ArgInt("ignore_index", -100), reduction).Forward(x[0], x[1]),
            "BCELoss" => new BCELoss(weight, reduction).Forward(x[0], x[1]),
            "BCEWithLogitsLoss" => new BCEWithLogitsLoss(weight, reduction, posWeight).Forward(x[0], x[1]),
            "KLDivLoss" => new KLDivLoss(reduction, c.ArgBool("log_target", false)).Forward(x[0], x[1]),
            "CosineEmbeddingLoss" => new CosineEmbeddingLoss(c.ArgDouble("margin", 0), reduction).Forward(x[0], x[1], x[2]),
            "MarginRankingLoss" => new MarginRankingLoss(c.ArgDouble("margin", 0), reduction).Forward(x[0], x[1], x[2]),
            "TripletMarginLoss" => new TripletMarginLoss(c.ArgDouble("margin", 1.0), c.ArgDouble("p", 2.0), c.ArgDouble("eps", 1e-6),
                c.ArgBool("swap", false), reduction).Forward(x[0], x[1], x[2]),
            _ => throw new NotSupportedException($"no builder for loss kind {c.Kind}"),
        };
    }
}
