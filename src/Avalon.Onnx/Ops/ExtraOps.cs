namespace Avalon.Onnx.Ops;

/// <summary>Compress, Unique, the signal windows, NonMaxSuppression and MaxUnpool.</summary>
internal static class ExtraOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("Compress", c =>
        {
            var x = c.Input(0);
            var cond = c.Input(1).To(DType.Bool).ToArray<bool>();
            long? axisAttr = c.IntOrNull("axis");
            var src = axisAttr is null ? x.Reshape(-1) : x;
            int axis = axisAttr is null ? 0 : OnnxShapes.Axis(axisAttr.Value, x.Rank, c.Op);
            var keep = new List<long>();
            for (int i = 0; i < Math.Min(cond.Length, src.Shape[axis]); i++) if (cond[i]) keep.Add(i);
            return src.IndexSelect(axis, Tensor.From(keep.ToArray(), keep.Count));
        });
        t.Add("Unique", Unique);
        t.One("HannWindow", c => Window(c, n => [0.5, -0.5, 0]));
        t.One("HammingWindow", c => Window(c, n => [25.0 / 46, -(1 - 25.0 / 46), 0]));
        t.One("BlackmanWindow", c => Window(c, n => [0.42, -0.5, 0.08]));
        t.One("NonMaxSuppression", Nms);
        t.One("Det", c =>
        {
            var x = c.Input(0);
            var shape = x.Shape.ToArray();
            int n = shape[^1];
            int batch = x.Numel / Math.Max(n * n, 1);
            var a = x.To(DType.Float64).Contiguous().ToArray<double>();
            var result = new double[batch];
            for (int b = 0; b < batch; b++) result[b] = Determinant(a.AsSpan(b * n * n, n * n).ToArray(), n);
            return Tensor.From(result, shape[..^2]).To(x.DType);
        });
        t.One("MaxUnpool", c =>
        {
            var x = c.Input(0);
            var idx = c.Input(1).To(DType.Int64);
            var shape = x.Shape.ToArray();
            var win = OnnxWindow.Read(c, shape[2..], null);
            var outShape = (int[])shape.Clone();
            for (int i = 0; i < win.Rank; i++)
                outShape[2 + i] = (shape[2 + i] - 1) * win.Strides[i] + win.Kernel[i] - win.PadBegin[i] - win.PadEnd[i];
            var flat = Tensor.Zeros([OnnxShapes.Numel(outShape)], x.DType);
            var y = flat.Scatter(0, idx.Reshape(-1), x.Reshape(-1)).Reshape(outShape);
            // A given output_shape extends the default one at the end (the indices refer to the default shape).
            if (c.OptionalInput(2) is { } os)
            {
                var target = OnnxShapes.Dims(OnnxShapes.Longs(os), c.Op);
                var pads = new long[2 * y.Rank];
                for (int i = 0; i < y.Rank; i++) pads[y.Rank + i] = target[i] - outShape[i];
                y = ShapeOps.PadTensor(y, pads, "constant", 0, c);
            }
            return y;
        });
    }

    private static Tensor Window(OnnxOpContext c, Func<int, double[]> coefficients)
    {
        int size = (int)OnnxShapes.Longs(c.Input(0))[0];
        bool periodic = c.Int("periodic", 1) != 0;
        var dtype = OnnxTensors.DTypeOf((int)c.Int("output_datatype", 1)) ?? throw c.Unsupported("output_datatype");
        var a = coefficients(size);
        double denom = periodic ? size : size - 1;
        var values = new double[size];
        for (int n = 0; n < size; n++)
            values[n] = a[0] + a[1] * Math.Cos(2 * Math.PI * n / denom) + a[2] * Math.Cos(4 * Math.PI * n / denom);
        return Tensor.From(values, size).To(dtype);
    }

    private static Tensor?[] Unique(OnnxOpContext c)
    {
        var x = c.Input(0);
        long? axisAttr = c.IntOrNull("axis");
        bool sorted = c.Int("sorted", 1) != 0;
        var src = axisAttr is null ? x.Reshape(-1) : x;
        int axis = axisAttr is null ? 0 : OnnxShapes.Axis(axisAttr.Value, x.Rank, c.Op);
        int n = src.Shape[axis];
        var moved = src.Transpose(0, axis).Contiguous().Reshape(n, -1);
        var values = moved.DType == DType.Bool ? moved.To(DType.Int32).ToDoubleArray() : moved.ToDoubleArray();
        int width = n == 0 ? 0 : values.Length / n;
        var keys = new double[n][];
        for (int i = 0; i < n; i++) keys[i] = values.AsSpan(i * width, width).ToArray();
        var firstOf = new List<int>();
        var inverse = new long[n];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var counts = new List<long>();
        for (int i = 0; i < n; i++)
        {
            string key = string.Join(",", keys[i].Select(v => BitConverter.DoubleToInt64Bits(v)));
            if (!seen.TryGetValue(key, out int u))
            {
                seen[key] = u = firstOf.Count;
                firstOf.Add(i);
                counts.Add(0);
            }
            inverse[i] = u;
            counts[u]++;
        }
        var order = Enumerable.Range(0, firstOf.Count).ToArray();
        if (sorted)
            Array.Sort(order, (p, q) =>
            {
                var a = keys[firstOf[p]]; var b = keys[firstOf[q]];
                for (int k = 0; k < a.Length; k++) { int r = a[k].CompareTo(b[k]); if (r != 0) return r; }
                return 0;
            });
        var rank = new long[order.Length];
        for (int r = 0; r < order.Length; r++) rank[order[r]] = r;
        var first = order.Select(u => (long)firstOf[u]).ToArray();
        var y = src.IndexSelect(axis, Tensor.From(first, first.Length));
        var inv = inverse.Select(u => rank[u]).ToArray();
        var cnt = order.Select(u => counts[u]).ToArray();
        return [y, Tensor.From(first, first.Length), Tensor.From(inv, inv.Length), Tensor.From(cnt, cnt.Length)];
    }

    private static Tensor Nms(OnnxOpContext c)
    {
        var boxes = c.Input(0).To(DType.Float64);
        var scores = c.Input(1).To(DType.Float64);
        long maxPerClass = c.OptionalInput(2) is { Numel: > 0 } m ? OnnxShapes.Longs(m)[0] : 0;
        double iouThreshold = c.OptionalInput(3) is { Numel: > 0 } iou ? OnnxShapes.Doubles(iou)[0] : 0;
        double? scoreThreshold = c.OptionalInput(4) is { Numel: > 0 } st ? OnnxShapes.Doubles(st)[0] : null;
        bool center = c.Int("center_point_box", 0) != 0;
        int batches = boxes.Shape[0], count = boxes.Shape[1], classes = scores.Shape[1];
        var b = boxes.ToArray<double>();
        var s = scores.ToArray<double>();
        var selected = new List<long>();
        for (int bi = 0; bi < batches; bi++)
        {
            var corners = new (double Y1, double X1, double Y2, double X2)[count];
            for (int i = 0; i < count; i++)
            {
                int o = (bi * count + i) * 4;
                if (center)
                    corners[i] = (b[o + 1] - b[o + 3] / 2, b[o] - b[o + 2] / 2, b[o + 1] + b[o + 3] / 2, b[o] + b[o + 2] / 2);
                else
                    corners[i] = (Math.Min(b[o], b[o + 2]), Math.Min(b[o + 1], b[o + 3]), Math.Max(b[o], b[o + 2]), Math.Max(b[o + 1], b[o + 3]));
            }
            for (int ci = 0; ci < classes; ci++)
            {
                var candidates = Enumerable.Range(0, count)
                    .Where(i => scoreThreshold is not { } th || s[(bi * classes + ci) * count + i] > th)
                    .OrderByDescending(i => s[(bi * classes + ci) * count + i]).ToList();
                var kept = new List<int>();
                foreach (var i in candidates)
                {
                    if (kept.Count >= maxPerClass) break;
                    if (kept.All(k => Iou(corners[i], corners[k]) <= iouThreshold)) kept.Add(i);
                }
                foreach (var k in kept) selected.AddRange([bi, ci, k]);
            }
        }
        return Tensor.From(selected.ToArray(), selected.Count / 3, 3);
    }

    /// <summary>Gaussian elimination with partial pivoting (values only: no gradient flows through Det).</summary>
    private static double Determinant(double[] m, int n)
    {
        double det = 1;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(m[r * n + col]) > Math.Abs(m[pivot * n + col])) pivot = r;
            if (m[pivot * n + col] == 0) return 0;
            if (pivot != col)
            {
                for (int k = 0; k < n; k++) (m[col * n + k], m[pivot * n + k]) = (m[pivot * n + k], m[col * n + k]);
                det = -det;
            }
            det *= m[col * n + col];
            for (int r = col + 1; r < n; r++)
            {
                double f = m[r * n + col] / m[col * n + col];
                for (int k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
            }
        }
        return det;
    }

    private static double Iou((double Y1, double X1, double Y2, double X2) a, (double Y1, double X1, double Y2, double X2) b)
    {
        double h = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        double w = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1));
        double inter = h * w;
        double union = (a.Y2 - a.Y1) * (a.X2 - a.X1) + (b.Y2 - b.Y1) * (b.X2 - b.X1) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
