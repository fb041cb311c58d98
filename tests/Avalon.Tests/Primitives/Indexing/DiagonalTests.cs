using static Avalon.Tests.Primitives.Indexing.IndexingTestData;

namespace Avalon.Tests.Primitives.Indexing;

public class DiagonalTests
{
    [Fact]
    public void DiagonalAndDiagEmbedMatchReference()
    {
        var g = new Generator(131);
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = 2 + (int)g.NextInt64(0, 3);
            var shape = RandomShape(g, rank);
            int dim1 = (int)g.NextInt64(-rank, rank), dim2;
            do dim2 = (int)g.NextInt64(-rank, rank); while ((dim2 + rank) % rank == (dim1 + rank) % rank);
            int d1 = (dim1 + rank) % rank, d2 = (dim2 + rank) % rank;
            int offset = (int)g.NextInt64(-4, 5);
            var x = Make(shape, DType.Float64, (Layout)g.NextInt64(0, 3), g);
            var xv = x.ToDoubleArray();
            var others = Enumerable.Range(0, rank).Where(d => d != d1 && d != d2).ToArray();
            int length = Math.Max(0, offset >= 0 ? Math.Min(shape[d1], shape[d2] - offset) : Math.Min(shape[d1] + offset, shape[d2]));
            var outShape = others.Select(d => shape[d]).Append(length).ToArray();
            var expected = new double[Numel(outShape)];
            for (int flat = 0; flat < expected.Length; flat++)
            {
                var o = Unravel(flat, outShape);
                var p = new int[rank];
                for (int k = 0; k < others.Length; k++) p[others[k]] = o[k];
                int t = o[^1];
                p[d1] = offset >= 0 ? t : t - offset;
                p[d2] = offset >= 0 ? t + offset : t;
                expected[flat] = xv[Ravel(p, shape)];
            }
            var diagonal = x.Diagonal(offset, dim1, dim2);
            Assert.True(diagonal.SharesStorageWith(x), "diagonal is a view");
            string what = $"diagonal trial {trial} [{string.Join(",", shape)}] offset {offset} dims {dim1},{dim2}";
            AssertEqual(outShape, expected, diagonal, what);
            // diag_embed of the diagonal puts it back into zeros: compare with the masked input.
            if (shape[d1] == shape[d2] && offset == 0 && d1 == rank - 2 && d2 == rank - 1)
            {
                var embedded = diagonal.DiagEmbed();
                var masked = new double[xv.Length];
                for (int flat = 0; flat < xv.Length; flat++)
                {
                    var p = Unravel(flat, shape);
                    masked[flat] = p[d1] == p[d2] ? xv[flat] : 0;
                }
                AssertEqual(shape, masked, embedded, what + " diag_embed");
            }
        }
    }

    [Fact]
    public void DiagMatchesPyTorch()
    {
        // torch.diag(torch.tensor([1., 2.]), 1) == [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
        Assert.Equal(new float[] { 0, 1, 0, 0, 0, 2, 0, 0, 0 }, Tensor.From(new float[] { 1, 2 }).Diag(1).ToArray<float>());
        // torch.arange(6.).view(2, 3).diag(-1) == [3]
        Assert.Equal(new float[] { 3 }, Tensor.Arange(6.0).Reshape(2, 3).Diag(-1).ToArray<float>());
        // torch.diag_embed(torch.ones(2, 2), dim1=0, dim2=2).shape == (2, 2, 2)
        var e = Tensor.Ones(2, 2).DiagEmbed(0, 0, 2);
        Assert.Equal(new[] { 2, 2, 2 }, e.Shape.ToArray());
        Assert.Equal(new float[] { 1, 0, 1, 0, 0, 1, 0, 1 }, e.ToArray<float>());
    }
}
