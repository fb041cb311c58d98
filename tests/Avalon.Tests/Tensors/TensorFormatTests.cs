namespace Avalon.Tests.Tensors;

/// <summary>ToString against PyTorch 1.13's printing of the same values.</summary>
public class TensorFormatTests
{
    [Fact]
    public void BoolTensorsPadToTheWidestWord()
    {
        Assert.Equal("tensor([ True, False,  True])", Tensor.From(new[] { true, false, true }).ToString());
        Assert.Equal("tensor([[ True],\n        [False]])", Tensor.From(new[] { true, false }, 2, 1).ToString());
        Assert.Equal("tensor([True, True])", Tensor.From(new[] { true, true }).ToString());
        Assert.Equal("tensor([ True, False])", (Tensor.From(new float[] { 2, -1 }) > 0).ToString());
    }

    [Fact]
    public void NegativeFloats()
    {
        Assert.Equal("tensor([[-1.5000,  2.2500],\n        [ 3.0000, -4.1250]])", Tensor.From(new float[] { -1.5f, 2.25f, 3, -4.125f }, 2, 2).ToString());
        Assert.Equal("tensor([-1.,  2., -3.])", Tensor.From(new float[] { -1, 2, -3 }).ToString());
        Assert.Equal("tensor([-1.0000e-05,  1.0000e+00])", Tensor.From(new float[] { -1e-5f, 1 }).ToString());
    }
}
