using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>Embedding beyond the reference cases: second-order gradients and pretrained tables.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public void GradientOfTheWeightGradientMasksThePaddingRow()
    {
        var idx = Tensor.From(new long[] { 0, 1, 2, 1 });
        var w = Tensor.Randn([3, 2], new Generator(1), DType.Float64);
        var c = Tensor.Randn([4, 2], new Generator(2), DType.Float64);
        var v = Tensor.Randn([3, 2], new Generator(3), DType.Float64);

        // h(c) = Σ dW(c) ⊙ v with dW(c) = ∂/∂w Σ embedding(idx, w) ⊙ c, so ∂h/∂c[i] = v[idx[i]], or 0 at padding.
        var (_, dc) = Avalon.Autodiff.Grad.Of(cc =>
        {
            var (_, dw) = Avalon.Autodiff.Grad.Of(ww => (Functional.Embedding(idx, ww, paddingIdx: 1) * cc).Sum(), w);
            return (dw * v).Sum();
        }, c);

        var vv = v.ToArray<double>();
        Assert.Equal(new[] { vv[0], vv[1], 0, 0, vv[4], vv[5], 0, 0 }, dc.ToArray<double>());
    }

    [Fact]
    public void FromPretrainedCopiesAndFreezes()
    {
        var table = Tensor.From(new float[] { 1, 2, 3, 4 }, 2, 2);
        var layer = Embedding.FromPretrained(table);
        Assert.Equal(new float[] { 3, 4, 1, 2 }, layer.Forward(Tensor.From(new long[] { 1, 0 })).ToArray<float>());
        Assert.False(layer.Weight.RequiresGrad);
        Assert.False(layer.Weight.SharesStorageWith(table));
        Assert.True(Embedding.FromPretrained(table, freeze: false).Weight.RequiresGrad);
    }
}
