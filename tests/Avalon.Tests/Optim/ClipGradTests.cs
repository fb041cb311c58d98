using Avalon.Optim;
using Avalon.Tests.Reference;
using static Avalon.Tests.Optim.OptimTestSupport;

namespace Avalon.Tests.Optim;

/// <summary>The gradient-clipping cases of optimizers.json and the edge cases PyTorch defines.</summary>
public sealed class ClipGradTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (ReferenceCase c in ReferenceData.Load("optimizers").Cases)
            if (c.Kind.StartsWith("clip_grad", StringComparison.Ordinal)) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClippingMatchesPyTorch(string name)
    {
        ReferenceCase c = ReferenceData.Load("optimizers")[name];
        IReadOnlyList<ReferenceTensor?> inputs = c.Tensors("inputs");
        var parameters = inputs.Select(t => Tensor.Zeros(t!.Shape).RequiresGrad_()).ToList();
        for (int i = 0; i < parameters.Count; i++) parameters[i].Grad = ToTensor(inputs[i]!);
        var gradients = parameters.Select(p => p.Grad!).ToList();

        if (c.Kind == "clip_grad_norm_")
        {
            var normType = c.Args.GetProperty("norm_type");
            double p = normType.ValueKind == System.Text.Json.JsonValueKind.String ? double.PositiveInfinity : normType.GetDouble();
            double total = ClipGrad.ClipGradNorm(parameters, c.ArgDouble("max_norm", double.NaN), p);
            AssertClose([c.Tensor("total_norm").Item()], [total], 1e-5, 1e-6, $"{name}: total norm");
        }
        else
        {
            ClipGrad.ClipGradValue(parameters, c.ArgDouble("clip_value", double.NaN));
        }

        IReadOnlyList<ReferenceTensor?> outputs = c.Tensors("outputs");
        for (int i = 0; i < parameters.Count; i++)
        {
            Assert.Same(gradients[i], parameters[i].Grad); // clipped in place
            AssertClose(outputs[i]!, parameters[i].Grad!, 1e-5, 1e-6, $"{name}: gradient {i}");
        }
    }

    [Fact]
    public void NormOfNoGradientsIsZero()
    {
        var p = Tensor.Zeros(3).RequiresGrad_();
        Assert.Equal(0, ClipGrad.ClipGradNorm([p], 1.0));
    }

    [Fact]
    public void StridedGradientsAreClippedInPlace()
    {
        var p = Tensor.Zeros(3, 2).RequiresGrad_();
        var dense = Tensor.From(new float[] { 3, 0, 0, 4, 0, 0 }, 2, 3);
        p.Grad = dense.T; // [3, 2] view with strides [1, 3]
        double norm = ClipGrad.ClipGradNorm([p], 1.0);
        Assert.Equal(5, norm, 5);
        float scale = (float)(1.0 / (5 + 1e-6));
        AssertClose(new double[] { 3 * scale, 0, 0, 4 * scale, 0, 0 }, dense.ToDoubleArray().Select(x => x).ToArray(), 1e-6, 1e-7, "viewed storage");

        var q = Tensor.Zeros(2, 2).RequiresGrad_();
        var values = Tensor.From(new double[] { -2, 0.5, 3, -0.25 }, 2, 2);
        q.Grad = values.T;
        ClipGrad.ClipGradValue([q], 1.0);
        Assert.Equal(new double[] { -1, 0.5, 1, -0.25 }, values.ToArray<double>());
    }

    [Fact]
    public void NonFiniteNormThrowsOnlyWhenAsked()
    {
        var p = Tensor.Zeros(2).RequiresGrad_();
        p.Grad = Tensor.From(new float[] { float.PositiveInfinity, 1 });
        var e = Assert.Throws<InvalidOperationException>(() => ClipGrad.ClipGradNorm([p], 1.0, errorIfNonfinite: true));
        Assert.Contains("non-finite", e.Message);
        Assert.Equal(double.PositiveInfinity, ClipGrad.ClipGradNorm([p], 1.0));
    }

    [Fact]
    public void OtherNormOrdersFollowTorchNorm()
    {
        var a = Tensor.Zeros(2).RequiresGrad_();
        var b = Tensor.Zeros(1).RequiresGrad_();
        a.Grad = Tensor.From(new double[] { 1, -2 });
        b.Grad = Tensor.From(new double[] { 2 });
        // 3-norm of [(1 + 8)^(1/3), 2] = (9 + 8)^(1/3)
        Assert.Equal(Math.Pow(17, 1.0 / 3), ClipGrad.ClipGradNorm([a, b], 100, normType: 3), 12);
        Assert.Equal(new double[] { 1, -2 }, a.Grad.ToArray<double>());
    }
}
