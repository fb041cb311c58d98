using Avalon.Backends.Cpu;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// The row iterator against a plain odometer over the unmerged shape written here: every element's
/// offsets for every operand, for random shapes (including size-1 and size-0 dims and ranks past the
/// inline capacity), strides that merge and strides that do not; and seeking to any row.
/// </summary>
public class RowIteratorTests
{
    // The offsets of every element in row-major order, per operand.
    private static List<int[]> Reference(int[] shape, int[][] strides, int[] offsets)
    {
        var result = new List<int[]>();
        long numel = 1;
        foreach (int d in shape) numel *= d;
        var index = new int[shape.Length];
        for (long e = 0; e < numel; e++)
        {
            var o = new int[strides.Length];
            for (int k = 0; k < strides.Length; k++)
            {
                o[k] = offsets[k];
                for (int d = 0; d < shape.Length; d++) o[k] += index[d] * strides[k][d];
            }
            result.Add(o);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
        return result;
    }

    private static RowIterator Make(int[] shape, int[][] s, int[] o) => s.Length switch
    {
        1 => new RowIterator(shape, s[0], o[0]),
        2 => new RowIterator(shape, s[0], o[0], s[1], o[1]),
        3 => new RowIterator(shape, s[0], o[0], s[1], o[1], s[2], o[2]),
        _ => new RowIterator(shape, s[0], o[0], s[1], o[1], s[2], o[2], s[3], o[3]),
    };

    // Walks from row `first` to the end and lists every element's offsets.
    private static List<int[]> Walk(RowIterator it, int operands, long first)
    {
        var result = new List<int[]>();
        if (first != 0) it.SeekRow(first);
        while (it.MoveNext())
            for (int i = 0; i < it.RowLength; i++)
            {
                var o = new int[operands];
                for (int k = 0; k < operands; k++) o[k] = it.Offset(k) + i * it.RowStride(k);
                result.Add(o);
            }
        return result;
    }

    [Fact]
    public void MatchesAPlainOdometerForRandomLayouts()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            int rank = trial < 20 ? 10 + rng.Next(4) : rng.Next(0, 6);   // the first trials exceed the inline rank
            var shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = rank > 8 ? rng.Next(1, 3) + (d % 3 == 0 ? 1 : 0) : rng.Next(0, 5) == 0 ? 1 : rng.Next(1, 6);
            if (trial % 50 == 7 && rank > 0) shape[rng.Next(rank)] = 0;
            int operands = 1 + trial % 4;
            var strides = new int[operands][];
            var offsets = new int[operands];
            for (int k = 0; k < operands; k++)
            {
                strides[k] = new int[rank];
                // Contiguous (merges), broadcast (0) or permuted/padded strides (does not merge).
                int kind = rng.Next(3), stride = 1;
                for (int d = rank - 1; d >= 0; d--)
                {
                    strides[k][d] = kind == 1 && rng.Next(2) == 0 ? 0 : stride;
                    stride *= shape[d] + (kind == 2 ? rng.Next(2) : 0);
                    if (stride == 0) stride = 1;
                }
                offsets[k] = rng.Next(0, 10);
            }
            var expected = Reference(shape, strides, offsets);
            var it = Make(shape, strides, offsets);
            Assert.Equal(expected.Count, it.RowCount * it.RowLength);
            var all = Walk(it.Clone(), operands, 0);
            Assert.Equal(expected.Count, all.Count);
            for (int e = 0; e < expected.Count; e++) Assert.Equal(expected[e], all[e]);
            if (it.RowCount > 1)
            {
                long row = rng.NextInt64(1, it.RowCount);
                var tail = Walk(it.Clone(), operands, row);
                int skip = (int)(row * it.RowLength);
                Assert.Equal(expected.Count - skip, tail.Count);
                for (int e = 0; e < tail.Count; e++) Assert.Equal(expected[skip + e], tail[e]);
            }
        }
    }

    [Fact]
    public void HighRanksThatDoNotMergeSpillAndStillWalkCorrectly()
    {
        // Rank 12 of size 2 with reversed strides: nothing merges, 11 outer dims (above the inline 8).
        var shape = Enumerable.Repeat(2, 12).ToArray();
        var reversed = Enumerable.Range(0, 12).Select(d => 1 << d).ToArray();
        var dense = Enumerable.Range(0, 12).Select(d => 1 << (11 - d)).ToArray();
        int[][] strides = [reversed, dense, reversed];
        int[] offsets = [3, 0, 1];
        Assert.True(shape.Length - 1 > RowIterator.InlineOuterRank);
        var expected = Reference(shape, strides, offsets);
        var it = Make(shape, strides, offsets);
        Assert.Equal(2, it.RowLength);
        var copy = it.Clone();
        Assert.Equal(expected, Walk(it, 3, 0));
        Assert.Equal(expected.Skip(2 * 1000), Walk(copy, 3, 1000));
    }

    [Fact]
    public void DenseOperandsMergeIntoOneRow()
    {
        int[] shape = [2, 3, 4];
        int[] dense = [12, 4, 1];
        var it = new RowIterator(shape, dense, 5, dense, 0);
        Assert.Equal(24, it.RowLength);
        Assert.Equal(1, it.RowCount);
        Assert.True(it.MoveNext());
        Assert.Equal(5, it.Offset(0));
        Assert.False(it.MoveNext());
    }
}
