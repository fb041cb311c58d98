using System.Numerics;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// sort and topk along one dim. The input is read densely as [outer, n, inner]; each of the
/// outer × inner rows of n elements is copied into (value, position) pairs and ordered by value with
/// the position breaking ties, so every order is stable and NaN comes after every number (before it
/// when descending), as in PyTorch. topk keeps the best k of a row in a bounded heap when k is small
/// against n, else sorts the row. Rows are spread over the CPU threads.
/// </summary>
internal static class SortKernels
{
    /// <summary>sort(x; dim, descending, stable) -> (values, indices).</summary>
    public static void Sort(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var visitor = new Visitor(inputs[0], outputs[0], outputs[1], attributes.Int("dim"), -1, attributes.Bool("descending"));
        DTypeDispatch.Numeric(inputs[0].DType, ref visitor, "sort");
    }

    /// <summary>topk(x; k, dim, largest, sorted) -> (values, indices), always in order (which sorted = false allows).</summary>
    public static void TopK(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var visitor = new Visitor(inputs[0], outputs[0], outputs[1], attributes.Int("dim"), attributes.Int("k"), attributes.Bool("largest"));
        DTypeDispatch.Numeric(inputs[0].DType, ref visitor, "topk");
    }

    private struct Entry<T>
    {
        public T Value;
        public int Index;
    }

    /// <summary>The output order: negative when <c>a</c> comes first.</summary>
    private readonly struct Order<T>(bool descending) : IComparer<Entry<T>> where T : INumber<T>
    {
        public int Compare(Entry<T> a, Entry<T> b)
        {
            int c = Ascending(a.Value, b.Value);
            if (descending) c = -c;
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        }

        // NaN is larger than every number and equal to itself.
        private static int Ascending(T a, T b)
        {
            if (T.IsNaN(a)) return T.IsNaN(b) ? 0 : 1;
            if (T.IsNaN(b)) return -1;
            return a < b ? -1 : a > b ? 1 : 0;
        }
    }

    // k < 0: a full sort (k = n). descending: sort's flag, or topk's largest.
    private readonly struct Visitor(Tensor x, Tensor values, Tensor indices, int dim, int k, bool descending) : INumericVisitor
    {
        public void Visit<T>() where T : unmanaged, INumber<T>
        {
            int rank = x.Rank;
            int n = rank == 0 ? 1 : x.Shape.Dims[dim], outer = 1, inner = 1;
            for (int d = 0; d < dim && d < rank; d++) outer *= x.Shape.Dims[d];
            for (int d = dim + 1; d < rank; d++) inner *= x.Shape.Dims[d];
            int kept = k < 0 ? n : k;
            int rows = outer * inner;
            if (rows == 0 || kept == 0) return;
            var dense = x.ContiguousNoGrad();
            var (xs, vs, ns, order, keep) = (dense, values, indices, new Order<T>(descending), kept);
            int chunks = (long)rows * n < 16384 ? 1 : Math.Min(CpuParallel.Threads, rows);
            CpuParallel.For(chunks, c =>
            {
                var src = xs.ContiguousSpan<T>();
                var dstValues = vs.ContiguousSpan<T>();
                var dstIndices = ns.ContiguousSpan<long>();
                var row = new Entry<T>[n];
                int first = (int)((long)rows * c / chunks), last = (int)((long)rows * (c + 1) / chunks);
                for (int r = first; r < last; r++)
                {
                    int o = r / inner, i = r % inner;
                    int inBase = o * n * inner + i, outBase = o * keep * inner + i;
                    for (int j = 0; j < n; j++) row[j] = new Entry<T> { Value = src[inBase + j * inner], Index = j };
                    var best = Select(row, keep, order);
                    for (int j = 0; j < keep; j++)
                    {
                        dstValues[outBase + j * inner] = best[j].Value;
                        dstIndices[outBase + j * inner] = best[j].Index;
                    }
                }
            });
        }
    }

    // The first k entries of the row in order (the row's storage is reused).
    private static Span<Entry<T>> Select<T>(Entry<T>[] row, int k, Order<T> order) where T : INumber<T>
    {
        int n = row.Length;
        if (k * 4 >= n)
        {
            row.AsSpan().Sort(order);
            return row.AsSpan(0, k);
        }
        // A heap of the k best seen so far with the worst of them on top; row[0, k) holds it.
        for (int j = 1; j < k; j++) SiftUp(row, j, order);
        for (int j = k; j < n; j++)
        {
            if (order.Compare(row[j], row[0]) >= 0) continue;
            row[0] = row[j];
            SiftDown(row, k, order);
        }
        var best = row.AsSpan(0, k);
        best.Sort(order);
        return best;
    }

    private static void SiftUp<T>(Entry<T>[] heap, int j, Order<T> order) where T : INumber<T>
    {
        var e = heap[j];
        while (j > 0)
        {
            int parent = (j - 1) / 2;
            if (order.Compare(heap[parent], e) >= 0) break;
            heap[j] = heap[parent];
            j = parent;
        }
        heap[j] = e;
    }

    private static void SiftDown<T>(Entry<T>[] heap, int count, Order<T> order) where T : INumber<T>
    {
        var e = heap[0];
        int j = 0;
        while (true)
        {
            int child = 2 * j + 1;
            if (child >= count) break;
            if (child + 1 < count && order.Compare(heap[child + 1], heap[child]) > 0) child++;
            if (order.Compare(heap[child], e) <= 0) break;
            heap[j] = heap[child];
            j = child;
        }
        heap[j] = e;
    }
}
