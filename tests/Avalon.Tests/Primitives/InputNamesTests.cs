using Avalon.Primitives;
using Avalon.Primitives.Convolution;
using Avalon.Primitives.Elementwise;
using Avalon.Primitives.Indexing;

namespace Avalon.Tests.Primitives;

/// <summary>Every call is checked against the primitive's declared input names before its shape rule.</summary>
public class InputNamesTests
{
    private static Tensor X => Tensor.Randn(2, 3);

    [Fact]
    public void TooManyInputsNameTheExpectedInputs()
    {
        var e = Assert.Throws<ArgumentException>(() => ArithmeticPrimitives.Add.Invoke(Attributes.Empty, X, X, X));
        Assert.Equal("add: expected 2 inputs (input, other), got 3.", e.Message);
        e = Assert.Throws<ArgumentException>(() => MathPrimitives.Pow.Invoke(Attributes.Empty, X));
        Assert.Equal("pow: expected 2 inputs (input, exponent), got 1.", e.Message);
        e = Assert.Throws<ArgumentException>(() => ArithmeticPrimitives.Exp.Invoke(Attributes.Empty));
        Assert.Equal("exp: expected 1 input (input), got 0.", e.Message);
    }

    [Fact]
    public void OptionalInputsGiveARange()
    {
        var attrs = Attributes.Of(("stride", new[] { 1 }), ("padding", new[] { 0 }), ("dilation", new[] { 1 }));
        var x = Tensor.Randn(1, 2, 5);
        var e = Assert.Throws<ArgumentException>(() => ConvolutionPrimitives.Conv.Invoke(attrs, x));
        Assert.Equal("conv: expected 2 to 3 inputs (input, weight, bias?), got 1.", e.Message);
        // Both counts in the range pass the check and run.
        var w = Tensor.Randn(4, 2, 3);
        Assert.Equal([1, 4, 3], ConvolutionPrimitives.Conv.Invoke(attrs, x, w).Shape.ToArray());
        Assert.Equal([1, 4, 3], ConvolutionPrimitives.Conv.Invoke(attrs, x, w, Tensor.Randn(4)).Shape.ToArray());
    }

    [Fact]
    public void VariadicInputsTakeAnyCount()
    {
        var y = JoiningPrimitives.Cat.Invoke(Attributes.Empty, X, X, X, X);
        Assert.Equal([8, 3], y.Shape.ToArray());
        // None at all reaches cat's own rule, which says why.
        var e = Assert.Throws<ArgumentException>(() => JoiningPrimitives.Cat.Invoke(Attributes.Empty));
        Assert.Contains("cat: expected a non-empty list of tensors", e.Message);
    }

    [Fact]
    public void ArityIsWorkedOutFromTheNames()
    {
        var plain = InputArity.Of(["input", "other"]);
        Assert.Equal((2, 2), (plain.Min, plain.Max));
        var optional = InputArity.Of(["input", "weight", "bias?"]);
        Assert.Equal((2, 3), (optional.Min, optional.Max));
        var variadic = InputArity.Of(["self", "tensors..."]);
        Assert.Equal((1, int.MaxValue), (variadic.Min, variadic.Max));
        Assert.Equal("expected at least 1 input (self, tensors...), got 0.", variadic.Describe(0));
        Assert.Same(InputArity.Undeclared, InputArity.Of(null));
    }

    [Fact]
    public void MalformedNamesAreRejected()
    {
        Assert.Contains("follows an optional one", Assert.Throws<ArgumentException>(() => InputArity.Of(["a?", "b"])).Message);
        Assert.Contains("must be the last one", Assert.Throws<ArgumentException>(() => InputArity.Of(["a...", "b"])).Message);
    }

    [Fact]
    public void UndeclaredNamesLeaveTheCountToTheShapeRule()
    {
        int seen = -1;
        var p = PrimitiveRegistry.Register("input_names_test_any_count", (inputs, _) => { seen = inputs.Length; return inputs[0]; },
            (inputs, _, outputs) => inputs[0].Storage.Backend.Copy(inputs[0], outputs[0]), replace: true);
        Assert.Null(p.InputNames);
        p.Invoke(Attributes.Empty, X, X, X);
        Assert.Equal(3, seen);
    }
}
