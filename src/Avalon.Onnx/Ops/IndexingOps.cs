namespace Avalon.Onnx.Ops;

/// <summary>Slicing, gathering, scattering, one-hot, top-k, arg-extrema and cumulative sums.</summary>
internal static class IndexingOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("Slice", Slice);
        t.One("Gather", c =>
        {
            var x = c.Input(0);
            var idx = c.Input(1);
            int axis = OnnxShapes.Axis(c.Int("axis", 0), x.Rank, c.Op);
            var fixedIdx = Wrap(idx, x.Shape[axis]);
            var picked = x.IndexSelect(axis, fixedIdx.Reshape(Math.Max(idx.Numel, 0)));
            var shape = new List<int>();
            shape.AddRange(x.Shape.ToArray()[..axis]);
            shape.AddRange(idx.Shape.ToArray());
            shape.AddRange(x.Shape.ToArray()[(axis + 1)..]);
            return picked.Reshape(shape.ToArray());
        });
        t.One("GatherElements", c =>
        {
            var x = c.Input(0);
            int axis = OnnxShapes.Axis(c.Int("axis", 0), x.Rank, c.Op);
            return x.Gather(axis, Wrap(c.Input(1), x.Shape[axis]));
        });
        t.One("GatherND", GatherNd);
        t.One("ScatterElements", c => ScatterElements(c, c.Int("axis", 0)));
        t.One("Scatter", c => ScatterElements(c, c.Int("axis", 0)));
        t.One("ScatterND", ScatterNd);
        t.One("OneHot", c =>
        {
            var idx = c.Input(0);
            long depth = OnnxShapes.Longs(c.Input(1))[0];
            var values = c.Input(2);
            int rank = idx.Rank + 1;
            int axis = OnnxShapes.Axis(c.Int("axis", -1), rank, c.Op);
            var id = idx.DType.IsFloatingPoint() ? ElementwiseOps.Floor(idx).To(DType.Int64) : idx.To(DType.Int64);
            id = Tensor.Where(id.Lt(0), id + depth, id);
            var range = Tensor.Arange(0L, depth, 1L, DType.Int64);
            var rshape = Enumerable.Repeat(1, rank).ToArray();
            rshape[axis] = (int)depth;
            var mask = id.Unsqueeze(axis).Eq(range.Reshape(rshape));
            var off = values.Reshape(-1).Slice(0, 0, 1).Reshape([]);
            var on = values.Reshape(-1).Slice(0, 1, 2).Reshape([]);
            return Tensor.Where(mask, on, off);
        });
        t.Add("TopK", c =>
        {
            var x = c.Input(0);
            long k = c.Opset < 10 ? c.Int("k", 1) : OnnxShapes.Longs(c.Input(1))[0];
            int axis = OnnxShapes.Axis(c.Int("axis", -1), x.Rank, c.Op);
            var (values, indices) = x.TopK((int)k, axis, c.Int("largest", 1) != 0, c.Int("sorted", 1) != 0);
            return [values, indices];
        });
        t.One("ArgMax", c => ArgExtremum(c, max: true));
        t.One("ArgMin", c => ArgExtremum(c, max: false));
        t.One("CumSum", c =>
        {
            var x = c.Input(0);
            int axis = OnnxShapes.Axis(OnnxShapes.Longs(c.Input(1))[0], x.Rank, c.Op);
            bool exclusive = c.Int("exclusive", 0) != 0, reverse = c.Int("reverse", 0) != 0;
            var work = x.DType.IsFloatingPoint() ? x : x.To(DType.Float64);
            int n = x.Shape[axis];
            var ones = Tensor.Ones([n, n], work.DType);
            // y[..., j] = Σ_i x[..., i] · M[i, j]: M upper-triangular sums the prefix, lower the suffix.
            var m = reverse ? ones.Tril(exclusive ? -1 : 0) : ones.Triu(exclusive ? 1 : 0);
            var moved = work.Transpose(axis, -1);
            var y = moved.MatMul(m).Transpose(axis, -1);
            return y.DType == x.DType ? y.Contiguous() : y.To(x.DType);
        });
    }

    /// <summary>Negative indices count from the end of a dim of <paramref name="size"/>.</summary>
    internal static Tensor Wrap(Tensor idx, int size)
    {
        var i = idx.DType == DType.Int64 ? idx : idx.To(DType.Int64);
        return Tensor.Where(i.Lt(0), i + size, i);
    }

    private static Tensor Slice(OnnxOpContext c)
    {
        var x = c.Input(0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Ints("starts")!;
            ends = c.Ints("ends")!;
            axes = c.Ints("axes");
        }
        else
        {
            starts = OnnxShapes.Longs(c.Input(1));
            ends = OnnxShapes.Longs(c.Input(2));
            axes = c.OptionalInput(3) is { } a ? OnnxShapes.Longs(a) : null;
            steps = c.OptionalInput(4) is { } s ? OnnxShapes.Longs(s) : null;
        }
        var y = x;
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = OnnxShapes.Axis(axes is null ? i : axes[i], x.Rank, c.Op);
            long step = steps is null ? 1 : steps[i];
            if (step == 0) throw new ArgumentException($"{c.Op}: step must not be zero.");
            long n = x.Shape[axis];
            long start = starts[i] < 0 ? starts[i] + n : starts[i];
            long end = ends[i] < 0 ? ends[i] + n : ends[i];
            if (step > 0)
            {
                start = Math.Clamp(start, 0, n);
                end = Math.Clamp(end, 0, n);
                if (start == 0 && end == n && step == 1) continue;
                y = y.Slice(axis, (int)start, (int)Math.Max(end, start), (int)step);
            }
            else
            {
                start = Math.Clamp(start, 0, n - 1);
                end = Math.Clamp(end, -1, n - 1);
                long fs = n - 1 - start, fe = n - 1 - end;
                y = y.Flip(axis).Slice(axis, (int)fs, (int)Math.Max(fe, fs), (int)-step);
            }
        }
        return y;
    }

    private static Tensor GatherNd(OnnxOpContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1).To(DType.Int64);
        int b = (int)c.Int("batch_dims", 0);
        var d = data.Shape.ToArray();
        var ishape = indices.Shape.ToArray();
        int k = ishape[^1];
        long batch = 1;
        for (int i = 0; i < b; i++) batch *= d[i];
        long inner = 1;
        var strides = new long[k];
        for (int j = k - 1; j >= 0; j--)
        {
            strides[j] = inner;
            inner *= d[b + j];
        }
        int m = 1;
        for (int i = b; i < ishape.Length - 1; i++) m *= ishape[i];
        var rest = d[(b + k)..];
        var flat = data.Reshape([(int)(batch * inner), .. rest]);
        var ind = indices.Reshape((int)batch, m, k);
        Tensor linear = Tensor.Zeros([(int)batch, m], DType.Int64);
        for (int j = 0; j < k; j++)
        {
            var col = ind.Slice(2, j, j + 1).Reshape((int)batch, m);
            linear = linear + Wrap(col, d[b + j]) * strides[j];
        }
        var offsets = (Tensor.Arange(0L, batch, 1L, DType.Int64) * inner).Reshape((int)batch, 1);
        linear = linear + offsets;
        var picked = flat.IndexSelect(0, linear.Reshape((int)(batch * m)));
        return picked.Reshape([.. ishape[..^1], .. rest]);
    }

    private static Tensor ScatterElements(OnnxOpContext c, long axisAttr)
    {
        var x = c.Input(0);
        int axis = OnnxShapes.Axis(axisAttr, x.Rank, c.Op);
        var idx = Wrap(c.Input(1), x.Shape[axis]);
        var upd = c.Input(2);
        return c.String("reduction", "none") switch
        {
            "none" => x.Scatter(axis, idx, upd),
            "add" => x.ScatterAdd(axis, idx, upd),
            var r => HostScatter(c, x, idx, upd, axis, r),
        };
    }

    private static Tensor ScatterNd(OnnxOpContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1).To(DType.Int64);
        var updates = c.Input(2);
        var d = data.Shape.ToArray();
        var ishape = indices.Shape.ToArray();
        int k = ishape[^1];
        long inner = 1;
        var strides = new long[k];
        for (int j = k - 1; j >= 0; j--)
        {
            strides[j] = inner;
            inner *= d[j];
        }
        int m = 1;
        for (int i = 0; i < ishape.Length - 1; i++) m *= ishape[i];
        var rest = d[k..];
        int r = OnnxShapes.Numel(rest);
        var flat = data.Reshape((int)inner, r);
        var ind = indices.Reshape(m, k);
        Tensor linear = Tensor.Zeros([m], DType.Int64);
        for (int j = 0; j < k; j++) linear = linear + Wrap(ind.Slice(1, j, j + 1).Reshape(m), d[j]) * strides[j];
        var index = linear.Reshape(m, 1).Expand(m, r).Contiguous();
        var upd = updates.Reshape(m, r);
        var y = c.String("reduction", "none") switch
        {
            "none" => flat.Scatter(0, index, upd),
            "add" => flat.ScatterAdd(0, index, upd),
            var red => HostScatter(c, flat, index, upd, 0, red),
        };
        return y.Reshape(d);
    }

    /// <summary>Scatter with reduction mul, max or min, computed on the host in index order (no gradient).</summary>
    private static Tensor HostScatter(OnnxOpContext c, Tensor data, Tensor index, Tensor updates, int axis, string reduction)
    {
        if (reduction is not ("mul" or "max" or "min")) throw c.Unsupported($"reduction '{reduction}'");
        var shape = data.Shape.ToArray();
        var ishape = index.Shape.ToArray();
        var d = data.To(DType.Float64).Contiguous().ToArray<double>();
        var idx = index.Contiguous().ToArray<long>();
        var u = updates.To(DType.Float64).Contiguous().ToArray<double>();
        var strides = new int[shape.Length];
        for (int k = shape.Length - 1, s = 1; k >= 0; k--) { strides[k] = s; s *= shape[k]; }
        var coord = new int[ishape.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            int rem = i, offset = 0;
            for (int k = ishape.Length - 1; k >= 0; k--) { coord[k] = rem % ishape[k]; rem /= ishape[k]; }
            for (int k = 0; k < ishape.Length; k++) offset += (k == axis ? (int)idx[i] : coord[k]) * strides[k];
            d[offset] = reduction switch { "mul" => d[offset] * u[i], "max" => Math.Max(d[offset], u[i]), _ => Math.Min(d[offset], u[i]) };
        }
        return Tensor.From(d, shape).To(data.DType);
    }

    private static Tensor ArgExtremum(OnnxOpContext c, bool max)
    {
        var x = c.Input(0);
        int axis = OnnxShapes.Axis(c.Int("axis", 0), x.Rank, c.Op);
        bool keep = c.Int("keepdims", 1) != 0;
        bool last = c.Int("select_last_index", 0) != 0;
        var src = last ? x.Flip(axis) : x;
        var idx = max ? src.ArgMax(axis, keep) : src.ArgMin(axis, keep);
        if (last) idx = (Tensor.Scalar(x.Shape[axis] - 1, DType.Int64) - idx);
        return idx;
    }
}
