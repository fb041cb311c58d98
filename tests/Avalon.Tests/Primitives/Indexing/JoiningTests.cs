using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class JoiningTests
{
    // Naive reference: position p of the output comes from the input whose window along dim holds p[dim].
    private static double[] CatReference(double[][] values, int[][] shapes, int dim, out int[] outShape)
    {
        outShape = (int[])shapes[0].Clone();
        outShape[dim] = shapes.Sum(s => s[dim]);
        var result = new double[Numel(outShape)];
        for (int flat = 0; flat < result.Length; flat++)
        {
            var p = Unravel(flat, outShape);
            int k = 0, at = p[dim];
            while (at >= shapes[k][dim]) at -= shapes[k++][dim];
            var q = (int[])p.Clone();
            q[dim] = at;
            result[flat] = values[k][Ravel(q, shapes[k])];
        }
        return result;
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Bool)]
    public void CatMatchesReferenceOnRandomShapesAndLayouts(DType dtype)
    {
        var g = new Generator(11 + (ulong)dtype);
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 4);
            var baseShape = RandomShape(g, rank);
            int dim = (int)g.NextInt64(-rank, rank);
            int d = dim < 0 ? dim + rank : dim;
            int count = 1 + (int)g.NextInt64(0, 4);
            var tensors = new Tensor[count];
            var shapes = new int[count][];
            for (int i = 0; i < count; i++)
            {
                shapes[i] = (int[])baseShape.Clone();
                shapes[i][d] = (int)g.NextInt64(0, 4);
                tensors[i] = Make(shapes[i], dtype, (Layout)g.NextInt64(0, 3), g);
            }
            var expected = CatReference(tensors.Select(t => t.ToDoubleArray()).ToArray(), shapes, d, out var outShape);
            var result = Tensor.Cat(tensors, dim);
            Assert.Equal(dtype, result.DType);
            AssertEqual(outShape, expected, result, $"cat trial {trial} shapes {string.Join(" ", shapes.Select(s => "[" + string.Join(",", s) + "]"))} dim {dim}");
        }
    }

    [Fact]
    public void CatSkipsLegacyEmptyVectors()
    {
        var a = Tensor.Arange(6.0).Reshape(2, 3);
        var result = Tensor.Cat([Tensor.Zeros(0), a, Tensor.Zeros(0), a], 1);
        Assert.Equal(new[] { 2, 6 }, result.Shape.ToArray());
        Assert.Equal(new float[] { 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5 }, result.ToArray<float>());
    }

    [Fact]
    public void StackInsertsANewDimAtEveryPosition()
    {
        var g = new Generator(3);
        var a = Make([2, 3], DType.Float64, Layout.Transposed, g);
        var b = Make([2, 3], DType.Float64, Layout.Strided, g);
        var av = a.ToDoubleArray();
        var bv = b.ToDoubleArray();
        for (int dim = -3; dim < 3; dim++)
        {
            var s = Tensor.Stack([a, b], dim);
            int d = dim < 0 ? dim + 3 : dim;
            var shape = new List<int> { 2, 3 };
            shape.Insert(d, 2);
            var outShape = shape.ToArray();
            var expected = new double[12];
            for (int flat = 0; flat < 12; flat++)
            {
                var p = Unravel(flat, outShape).ToList();
                int which = p[d];
                p.RemoveAt(d);
                expected[flat] = (which == 0 ? av : bv)[Ravel(p.ToArray(), [2, 3])];
            }
            AssertEqual(outShape, expected, s, $"stack dim {dim}");
        }
    }

    [Fact]
    public void SplitChunkAndUnbindReturnViewsThatCatBackToTheInput()
    {
        var g = new Generator(5);
        for (int trial = 0; trial < 40; trial++)
        {
            int rank = 1 + (int)g.NextInt64(0, 3);
            var shape = RandomShape(g, rank);
            var x = Make(shape, DType.Float32, (Layout)g.NextInt64(0, 3), g);
            int dim = (int)g.NextInt64(-rank, rank), d = dim < 0 ? dim + rank : dim, n = shape[d];

            int size = 1 + (int)g.NextInt64(0, 4);
            var parts = x.Split(size, dim);
            Assert.Equal(Math.Max((n + size - 1) / size, 1), parts.Length);
            for (int i = 0; i < parts.Length; i++)
            {
                Assert.True(parts[i].SharesStorageWith(x), "split returns views");
                Assert.Equal(i < parts.Length - 1 ? size : n - size * (parts.Length - 1), parts[i].Shape[d]);
            }
            Assert.Equal(x.ToDoubleArray(), Tensor.Cat(parts, d).ToDoubleArray());

            int chunks = 1 + (int)g.NextInt64(0, 5);
            var pieces = x.Chunk(chunks, dim);
            int chunkSize = (n + chunks - 1) / chunks;
            Assert.Equal(n == 0 ? chunks : (n + chunkSize - 1) / chunkSize, pieces.Length);
            Assert.Equal(x.ToDoubleArray(), Tensor.Cat(pieces, d).ToDoubleArray());

            var sizes = new List<int>();
            for (int left = n; left > 0;) { int s = 1 + (int)g.NextInt64(0, left); sizes.Add(s); left -= s; }
            sizes.Insert((int)g.NextInt64(0, sizes.Count + 1), 0);
            var bySizes = x.Split(sizes.ToArray(), dim);
            Assert.Equal(sizes, bySizes.Select(p => p.Shape[d]));
            Assert.Equal(x.ToDoubleArray(), Tensor.Cat(bySizes, d).ToDoubleArray());

            var slices = x.Unbind(dim);
            Assert.Equal(n, slices.Length);
            if (n > 0) Assert.Equal(x.ToDoubleArray(), Tensor.Stack(slices, d).ToDoubleArray());
        }
    }

    [Fact]
    public void ChunkMatchesPyTorchCounts()
    {
        // torch.zeros(3, 4).chunk(3, 1) gives 2 chunks of 2; a size-0 dim gives the requested number of empty chunks.
        Assert.Equal([2, 2], Tensor.Zeros(3, 4).Chunk(3, 1).Select(c => c.Shape[1]));
        Assert.Equal(3, Tensor.Zeros(3, 0).Chunk(3, 1).Length);
        Assert.Equal([3, 3, 1], Tensor.Zeros(7).Chunk(3).Select(c => c.Shape[0]));
    }

    [Fact]
    public void RepeatMatchesReference()
    {
        var g = new Generator(8);
        for (int trial = 0; trial < 30; trial++)
        {
            int rank = (int)g.NextInt64(0, 3);
            var shape = RandomShape(g, rank);
            var x = Make(shape, DType.Int64, (Layout)g.NextInt64(0, 3), g);
            var repeats = new int[rank + (int)g.NextInt64(0, 2)];
            for (int i = 0; i < repeats.Length; i++) repeats[i] = (int)g.NextInt64(0, 4);
            var padded = Enumerable.Repeat(1, repeats.Length - rank).Concat(shape).ToArray();
            var outShape = padded.Select((s, i) => s * repeats[i]).ToArray();
            var xv = x.ToDoubleArray();
            var expected = new double[Numel(outShape)];
            for (int flat = 0; flat < expected.Length; flat++)
            {
                var p = Unravel(flat, outShape);
                for (int i = 0; i < p.Length; i++) p[i] %= padded[i];
                expected[flat] = xv[Ravel(p, padded)];
            }
            AssertEqual(outShape, expected, x.Repeat(repeats), $"repeat [{string.Join(",", shape)}] by [{string.Join(",", repeats)}]");
        }
    }

    [Fact]
    public void CatIsRecordedOnATapeAndReplays()
    {
        var a = Tensor.From(new double[] { 1, 2 });
        var b = Tensor.From(new double[] { 3 });
        var r = Avalon.Autodiff.Grad.Of(x => (Tensor.Cat([x[0], x[1]]) * Tensor.From(new double[] { 1, 10, 100 })).Sum(), a, b);
        Assert.Equal(321, r.Value.Item());
        Assert.Equal(new double[] { 1, 10 }, r.Gradients[0].ToArray<double>());
        Assert.Equal(new double[] { 100 }, r.Gradients[1].ToArray<double>());
        Assert.Contains("cat(", r.Tape.ToString());
        var replay = r.Tape.Run(Tensor.From(new double[] { 0, 1 }), Tensor.From(new double[] { 2 }));
        Assert.Equal(210, replay[0].Item());
    }
}
