using static Avalon.Tests.Primitives.Elementwise.ElementwiseReference;

namespace Avalon.Tests.Primitives.Elementwise;

/// <summary>Logical kernels on bool tensors against references over layouts and broadcasts.</summary>
public class LogicalPrimitiveTests
{
    [Theory]
    [InlineData("and")]
    [InlineData("or")]
    [InlineData("xor")]
    public void BinaryMatchesReference(string name)
    {
        Func<Tensor, Tensor, Tensor> f = name switch { "and" => (a, b) => a & b, "or" => (a, b) => a | b, _ => (a, b) => a ^ b };
        Func<bool, bool, bool> r = name switch { "and" => (a, b) => a && b, "or" => (a, b) => a || b, _ => (a, b) => a != b };
        foreach (var (sa, sb) in BinaryShapes)
        {
            var a = Random(sa, DType.Int32, 5).Gt(0);
            var b = Random(sb, DType.Int32, 6).Le(0);
            foreach (var (la, xa) in Layouts(a))
                foreach (var (lb, xb) in Layouts(b))
                {
                    var y = f(xa, xb);
                    Assert.Equal(DType.Bool, y.DType);
                    Assert.Equal(BroadcastShape(sa, sb), y.Shape.ToArray());
                    var expected = Binary(xa, xb, (x, z) => r(x != 0, z != 0) ? 1 : 0);
                    Assert.True(expected.SequenceEqual(y.ToDoubleArray()), $"{name} {MathPrimitiveTests.ShapeText(sa)} {la} {MathPrimitiveTests.ShapeText(sb)} {lb}");
                }
        }
    }

    [Fact]
    public void NotMatchesReference()
    {
        foreach (var shape in new[] { new[] { 37 }, [3, 17], [0, 2], [] })
            foreach (var (layout, x) in Layouts(Random(shape, DType.Int32, 8).Gt(0)))
            {
                var expected = x.ToDoubleArray().Select(v => v == 0 ? 1.0 : 0.0).ToArray();
                Assert.True(expected.SequenceEqual((!x).ToDoubleArray()), layout);
                Assert.True(expected.SequenceEqual((~x).ToDoubleArray()), layout);
                Assert.True(expected.SequenceEqual(x.LogicalNot().ToDoubleArray()), layout);
            }
    }

    [Fact]
    public void NamedMethodsMatchOperators()
    {
        var a = Tensor.From(new[] { true, true, false, false });
        var b = Tensor.From(new[] { true, false, true, false });
        Assert.Equal(new[] { true, false, false, false }, a.LogicalAnd(b).ToArray<bool>());
        Assert.Equal(new[] { true, true, true, false }, a.LogicalOr(b).ToArray<bool>());
        Assert.Equal(new[] { false, true, true, false }, a.LogicalXor(b).ToArray<bool>());
    }
}
