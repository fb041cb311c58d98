using Avalon.Primitives.Pooling;
using Avalon.Backends.Cpu.Pooling;
using Avalon.Nn;

namespace Avalon.Tests.Errors;

/// <summary>
/// Every operation that reads index values (class targets, gather/scatter, index_select, embedding,
/// one_hot, max-pool backward) rejects a value outside its range with an
/// <see cref="ArgumentOutOfRangeException"/> that names the operation, the value and the valid range.
/// </summary>
public class IndexValueErrorTests
{
    private static Tensor F(params int[] shape) => Tensor.Zeros(shape);

    private static Tensor I(params long[] values) => Tensor.From(values);

    private static Tensor Logits(params int[] shape) => Tensor.Randn(shape, new Generator(7));

    private static readonly Dictionary<string, (Action Act, long Value, string[] Fragments)> s_cases = new()
    {
        ["nll_loss target too large"] = (() => Functional.NllLoss(Logits(2, 3), I(0, 3)), 3, ["nll_loss", "target 3", "[0, 3)"]),
        ["nll_loss negative target"] = (() => Functional.NllLoss(Logits(2, 3), I(-1, 0)), -1, ["nll_loss", "target -1", "[0, 3)"]),
        ["nll_loss K-dim target"] = (() => Functional.NllLoss(Logits(2, 3, 4), Tensor.Full([2, 4], 9.0).To(DType.Int64)), 9, ["nll_loss", "target 9", "[0, 3)"]),
        ["cross_entropy target too large"] = (() => Functional.CrossEntropy(Logits(2, 5), I(4, 5)), 5, ["cross_entropy", "target 5", "[0, 5)"]),
        ["cross_entropy with weights"] = (() => Functional.CrossEntropy(Logits(2, 5), I(7, 0), Tensor.Ones(5)), 7, ["cross_entropy", "target 7", "[0, 5)"]),
        ["cross_entropy unbatched"] = (() => Functional.CrossEntropy(Logits(4), Tensor.Scalar(4, DType.Int64)), 4, ["cross_entropy", "target 4", "[0, 4)"]),
        ["gather"] = (() => F(2, 3).Gather(1, Tensor.From(new long[] { 0, 3 }, 1, 2)), 3, ["gather", "index 3", "[0, 3)"]),
        ["gather negative"] = (() => F(2, 3).Gather(0, Tensor.From(new long[] { -5 }, 1, 1)), -5, ["gather", "index -5", "[0, 2)"]),
        ["scatter"] = (() => F(2, 3).Scatter(0, Tensor.From(new long[] { 2 }, 1, 1), F(1, 1)), 2, ["scatter", "index 2", "[0, 2)"]),
        ["scatter_add"] = (() => F(2, 3).ScatterAdd(1, Tensor.From(new long[] { 7 }, 1, 1), F(1, 1)), 7, ["scatter_add", "index 7", "[0, 3)"]),
        ["index_select"] = (() => F(4, 2).IndexSelect(0, I(1, 4)), 4, ["index_select", "index 4", "[0, 4)"]),
        ["index_add"] = (() => F(4, 2).IndexAdd(1, I(5), F(4, 1)), 5, ["index_add", "index 5", "[0, 2)"]),
        ["embedding too large"] = (() => Functional.Embedding(I(1, 5), F(5, 2)), 5, ["embedding", "index 5", "[0, 5)"]),
        ["embedding negative"] = (() => Functional.Embedding(I(-1), F(5, 2)), -1, ["embedding", "index -1", "[0, 5)"]),
        ["one_hot too large"] = (() => Tensor.OneHot(I(0, 3), 3), 3, ["one_hot", "class value 3", "[0, 3)"]),
        ["one_hot negative"] = (() => Tensor.OneHot(I(1, -2), 4), -2, ["one_hot", "class value -2", "[0, 4)"]),
        ["max_pool backward"] = (() =>
        {
            var g = PoolGeometry.CreateMax(1, 2, [4], [2], [], [0], [1], false);
            PoolIndexScatter.Backward<float>(g, new float[4], [0, 3, 1, 9], new float[8]);
        }, 9, ["max_pool1d backward", "index 9", "[0, 4)"]),
        ["max_pool gather"] = (() => PoolIndexGather.Run<float>("max_pool_gather", 2, 4, 2, new float[8], [0, -3, 1, 2], new float[4]), -3,
            ["max_pool_gather", "index -3", "[0, 4)"]),
    };

    public static TheoryData<string> Cases() => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutOfRangeIndexValueNamesTheOperationTheValueAndTheRange(string name)
    {
        var (act, value, fragments) = s_cases[name];
        var e = Assert.Throws<ArgumentOutOfRangeException>(act);
        Assert.Equal(value, Convert.ToInt64(e.ActualValue, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var f in fragments)
            Assert.True(e.Message.Contains(f, StringComparison.Ordinal), $"{name}: message lacks '{f}': {e.Message}");
    }
}
