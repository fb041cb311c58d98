using Avalon.Nn;

namespace Avalon.Tests.Nn;

public class DropoutLayerTests
{
    [Fact]
    public void SameSeedSameMaskAndEvalIsIdentity()
    {
        var x = Tensor.Ones(4, 50);
        var a = new Dropout(0.3, new Generator(7)).Forward(x).ToArray<float>();
        var b = new Dropout(0.3, new Generator(7)).Forward(x).ToArray<float>();
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.7f) < 1e-6));
        double zeros = a.Count(v => v == 0) / (double)a.Length;
        Assert.InRange(zeros, 0.2, 0.4);
        var layer = new Dropout(0.3);
        layer.Eval();
        Assert.Same(x, layer.Forward(x));
        Assert.Equal("Dropout(p=0.3, inplace=False)", layer.ToString());
    }

    [Fact]
    public void Dropout2dZeroesWholeChannels()
    {
        var x = Tensor.Ones(3, 8, 4, 4);
        var y = new Dropout2d(0.5, new Generator(3)).Forward(x);
        var perChannel = y.Reshape(24, 16).ToArray<float>().Chunk(16).ToList();
        Assert.All(perChannel, c => Assert.True(c.All(v => v == 0f) || c.All(v => v == 2f)));
        Assert.Contains(perChannel, c => c[0] == 0f);
        Assert.Contains(perChannel, c => c[0] == 2f);
        Assert.Throws<ArgumentException>(() => Functional.Dropout2d(Tensor.Ones(2, 2)));
    }
}

public class DropoutReferenceTests
{
    [Theory]
    [InlineData("Dropout_eval")]
    [InlineData("Dropout2d_eval")]
    public void EvalModeMatchesPyTorch(string name)
    {
        var c = Avalon.Tests.Reference.ReferenceData.Load("layers").OfKind(name.Split('_')[0]).Single(x => x.Name == name);
        double p = c.ArgDouble("p", 0.5);
        Module layer = c.Kind == "Dropout" ? new Dropout(p) : new Dropout2d(p);
        layer.Eval();
        var input = NnTestUtil.ToTensor(c.Tensors("inputs")[0]!).RequiresGrad_();
        var output = layer.Forward(input);
        NnTestUtil.AssertClose(c.Tensor("output"), output, name + " output", 1e-6, 1e-7);
        output.Backward(NnTestUtil.ToTensor(c.Tensor("grad_output")));
        NnTestUtil.AssertClose(c.Tensors("grad_inputs")[0]!, input.Grad!, name + " grad", 1e-6, 1e-7);
    }
}
