using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class OneHotTests
{
    [Fact]
    public void OneHotMatchesReference()
    {
        var g = new Generator(71);
        for (int trial = 0; trial < 30; trial++)
        {
            int rank = (int)g.NextInt64(0, 3);
            var shape = RandomShape(g, rank);
            int classes = 1 + (int)g.NextInt64(0, 6);
            var x = Make(shape, DType.Int64, (Layout)g.NextInt64(0, 3), g, 0, classes);
            var xv = x.ToArray<long>();
            var outShape = shape.Append(classes).ToArray();
            var expected = new double[Numel(outShape)];
            for (int i = 0; i < xv.Length; i++) expected[i * classes + xv[i]] = 1;
            var result = Tensor.OneHot(x, classes);
            Assert.Equal(DType.Int64, result.DType);
            AssertEqual(outShape, expected, result, $"one_hot trial {trial}");
        }
    }

    [Fact]
    public void OneHotInfersTheNumberOfClasses()
    {
        var r = Tensor.OneHot(Tensor.From(new long[] { 0, 3, 1 }));
        Assert.Equal(new[] { 3, 4 }, r.Shape.ToArray());
        Assert.Equal(new long[] { 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0 }, r.ToArray<long>());
        Assert.False(Avalon.Primitives.PrimitiveRegistry.Get("one_hot").IsDifferentiable);
    }
}
