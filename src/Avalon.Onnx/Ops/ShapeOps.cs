using Onnx;

namespace Avalon.Onnx.Ops;

/// <summary>Shape, view, joining and creation operators (the shape-computation subgraphs run here on int64 tensors).</summary>
internal static class ShapeOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("Shape", c =>
        {
            var dims = c.Input(0).Shape.ToArray();
            int rank = dims.Length;
            long start = c.Int("start", 0), end = c.Int("end", rank);
            int s = (int)Math.Clamp(start < 0 ? start + rank : start, 0, rank);
            int e = (int)Math.Clamp(end < 0 ? end + rank : end, 0, rank);
            var values = new long[Math.Max(0, e - s)];
            for (int i = 0; i < values.Length; i++) values[i] = dims[s + i];
            return OnnxShapes.LongTensor(values);
        });
        t.One("Size", c => Tensor.Scalar(c.Input(0).Numel, DType.Int64));
        t.One("Reshape", Reshape);
        t.One("Flatten", c =>
        {
            var x = c.Input(0);
            int axis = (int)c.Int("axis", 1);
            if (axis < 0) axis += x.Rank;
            if (axis < 0 || axis > x.Rank) throw new ArgumentException($"{c.Op}: axis {c.Int("axis", 1)} is out of range for rank {x.Rank}.");
            int outer = 1;
            for (int i = 0; i < axis; i++) outer *= x.Shape[i];
            int inner = x.Numel / Math.Max(outer, 1);
            if (outer == 0) inner = 1;
            for (int i = axis; i < x.Rank && outer == 0; i++) inner *= x.Shape[i];
            return x.Reshape(outer, inner);
        });
        t.One("Transpose", c =>
        {
            var x = c.Input(0);
            var perm = c.Ints("perm");
            var dims = perm is null ? Enumerable.Range(0, x.Rank).Reverse().ToArray() : Array.ConvertAll(perm, p => OnnxShapes.Axis(p, x.Rank, c.Op));
            return x.Rank <= 1 ? x : x.Permute(dims);
        });
        t.One("Squeeze", c =>
        {
            var x = c.Input(0);
            var axes = c.IntsFromAttributeOrInput("axes", 1);
            var shape = x.Shape.ToArray();
            var keep = new List<int>();
            var drop = new HashSet<int>(axes is null ? Enumerable.Range(0, x.Rank).Where(i => shape[i] == 1) : axes.Select(a => OnnxShapes.Axis(a, x.Rank, c.Op)));
            for (int i = 0; i < shape.Length; i++)
            {
                if (!drop.Contains(i)) keep.Add(shape[i]);
                else if (shape[i] != 1) throw new ArgumentException($"{c.Op}: cannot squeeze axis {i} of size {shape[i]} in shape {x.Shape}.");
            }
            return x.Reshape(keep.ToArray());
        });
        t.One("Unsqueeze", c =>
        {
            var x = c.Input(0);
            var axes = c.IntsFromAttributeOrInput("axes", 1) ?? throw new ArgumentException($"{c.Op}: axes are required.");
            int rank = x.Rank + axes.Length;
            var set = new HashSet<int>(axes.Select(a => OnnxShapes.Axis(a, rank, c.Op)));
            var shape = new int[rank];
            int k = 0;
            var src = x.Shape.ToArray();
            for (int i = 0; i < rank; i++) shape[i] = set.Contains(i) ? 1 : src[k++];
            return x.Reshape(shape);
        });
        t.One("Expand", c =>
        {
            var x = c.Input(0);
            var target = OnnxShapes.Dims(OnnxShapes.Longs(c.Input(1)), c.Op);
            var shape = BroadcastShapes(x.Shape.ToArray(), target, c.Op);
            var xs = x.Rank < shape.Length ? x.Reshape([.. Enumerable.Repeat(1, shape.Length - x.Rank), .. x.Shape.ToArray()]) : x;
            return xs.Expand(shape).Contiguous();
        });
        t.One("Concat", c =>
        {
            var parts = new List<Tensor>();
            for (int i = 0; i < c.InputCount; i++) if (c.Inputs[i] is { } p) parts.Add(p);
            int axis = OnnxShapes.Axis(c.Int("axis", c.Opset < 4 ? 1 : 0), parts[0].Rank, c.Op);
            var dtype = parts[0].DType;
            var nonEmpty = parts.Where(p => p.Numel > 0 || p.Rank == parts[0].Rank).Select(p => p.DType == dtype ? p : p.To(dtype)).ToList();
            return nonEmpty.Count == 1 ? nonEmpty[0] : Tensor.Cat(nonEmpty, axis);
        });
        t.Add("Split", Split);
        t.One("Tile", c =>
        {
            var x = c.Input(0);
            var repeats = OnnxShapes.Dims(OnnxShapes.Longs(c.Input(1)), c.Op);
            return x.Repeat(repeats);
        });
        t.One("ConstantOfShape", c =>
        {
            var shape = OnnxShapes.Dims(OnnxShapes.Longs(c.Input(0)), c.Op);
            var value = c.Node.Attribute("value")?.T;
            if (value is null) return Tensor.Zeros(shape, DType.Float32);
            var v = OnnxTensors.ToTensor(value, null);
            return Tensor.Full(shape, v.Reshape(1).To(DType.Float64).Item(), v.DType);
        });
        t.One("Constant", Constant);
        t.One("Range", c =>
        {
            var start = c.Input(0); var limit = c.Input(1); var delta = c.Input(2);
            var dtype = start.DType;
            if (dtype.IsFloatingPoint())
            {
                double s = start.To(DType.Float64).Item(), l = limit.To(DType.Float64).Item(), d = delta.To(DType.Float64).Item();
                int n = Math.Max((int)Math.Ceiling((l - s) / d), 0);
                var values = new double[n];
                for (int i = 0; i < n; i++) values[i] = s + i * d;
                return Tensor.From(values, n).To(dtype);
            }
            else
            {
                long s = OnnxShapes.Longs(start)[0], l = OnnxShapes.Longs(limit)[0], d = OnnxShapes.Longs(delta)[0];
                if (d == 0) throw new ArgumentException($"{c.Op}: delta must not be zero.");
                long n = Math.Max((long)Math.Ceiling((double)(l - s) / d), 0);
                var values = new long[n];
                for (long i = 0; i < n; i++) values[i] = s + i * d;
                var r = Tensor.From(values, (int)n);
                return dtype == DType.Int64 ? r : r.To(dtype);
            }
        });
        t.One("Pad", Pad);
        t.One("DepthToSpace", c =>
        {
            var x = c.Input(0);
            int b = (int)c.Int("blocksize", 1);
            int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
            bool crd = c.String("mode", "DCR") == "CRD";
            var y = crd ? x.Reshape(n, ch / (b * b), b, b, h, w).Permute(0, 1, 4, 2, 5, 3)
                        : x.Reshape(n, b, b, ch / (b * b), h, w).Permute(0, 3, 4, 1, 5, 2);
            return y.Reshape(n, ch / (b * b), h * b, w * b);
        });
        t.One("SpaceToDepth", c =>
        {
            var x = c.Input(0);
            int b = (int)c.Int("blocksize", 1);
            int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
            return x.Reshape(n, ch, h / b, b, w / b, b).Permute(0, 3, 5, 1, 2, 4).Reshape(n, ch * b * b, h / b, w / b);
        });
        t.One("EyeLike", c =>
        {
            var x = c.Input(0);
            long k = c.Int("k", 0);
            var dtype = c.IntOrNull("dtype") is { } d ? OnnxTensors.DTypeOf((int)d) ?? throw c.Unsupported($"dtype {OnnxTensors.ElementTypeName((int)d)}") : x.DType;
            int rows = x.Shape[0], cols = x.Shape[1];
            var values = new double[rows * cols];
            for (int i = 0; i < rows; i++)
            {
                long j = i + k;
                if (j >= 0 && j < cols) values[i * cols + j] = 1;
            }
            return Tensor.From(values, rows, cols).To(dtype);
        });
        t.One("NonZero", c =>
        {
            var x = c.Input(0);
            var flags = x.Ne(ElementwiseOps.Zero(x)).ToArray<bool>();
            var shape = x.Shape.ToArray();
            var hits = new List<int>();
            for (int i = 0; i < flags.Length; i++) if (flags[i]) hits.Add(i);
            int rank = Math.Max(shape.Length, 1);
            var result = new long[rank * hits.Count];
            for (int h = 0; h < hits.Count; h++)
            {
                int rem = hits[h];
                for (int d = shape.Length - 1; d >= 0; d--)
                {
                    result[d * hits.Count + h] = rem % shape[d];
                    rem /= shape[d];
                }
            }
            return Tensor.From(result, rank, hits.Count);
        });
        t.One("Trilu", c =>
        {
            var x = c.Input(0);
            int k = c.OptionalInput(1) is { } kt ? (int)OnnxShapes.Longs(kt)[0] : 0;
            bool upper = c.Int("upper", 1) != 0;
            if (x.Numel == 0) return x;
            if (x.DType == DType.Bool) return (upper ? x.To(DType.Int32).Triu(k) : x.To(DType.Int32).Tril(k)).To(DType.Bool);
            return upper ? x.Triu(k) : x.Tril(k);
        });
    }

    internal static int[] BroadcastShapes(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {OnnxShapes.Format(a)} and {OnnxShapes.Format(b)} do not broadcast.");
            shape[i] = da == 1 ? db : da;
        }
        return shape;
    }

    private static Tensor Reshape(OnnxOpContext c)
    {
        var x = c.Input(0);
        var shape = c.Opset < 5 ? c.Ints("shape")! : OnnxShapes.Longs(c.Input(1));
        bool allowZero = c.Int("allowzero", 0) != 0;
        var dims = new int[shape.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = shape[i];
            if (d == 0 && !allowZero)
            {
                if (i >= x.Rank) throw new ArgumentException($"{c.Op}: shape {OnnxShapes.Format(Array.ConvertAll(shape, v => (int)v))} copies dim {i}, but the input {x.Shape} has rank {x.Rank}.");
                d = x.Shape[i];
            }
            if (d == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{c.Op}: shape has more than one -1.");
                infer = i;
                continue;
            }
            dims[i] = OnnxShapes.Dim(d, c.Op);
            known *= dims[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || x.Numel % known != 0)
                throw new ArgumentException($"{c.Op}: cannot reshape {x.Shape} ({x.Numel} elements) to [{string.Join(", ", shape)}].");
            dims[infer] = (int)(x.Numel / known);
        }
        return x.Reshape(dims);
    }

    private static Tensor?[] Split(OnnxOpContext c)
    {
        var x = c.Input(0);
        int axis = OnnxShapes.Axis(c.Int("axis", 0), x.Rank, c.Op);
        var split = c.IntsFromAttributeOrInput("split", 1);
        int outputs = c.Node.Proto.Output.Count;
        int size = x.Shape[axis];
        int[] sizes;
        if (split is { Length: > 0 }) sizes = OnnxShapes.Dims(split, c.Op);
        else
        {
            int n = c.IntOrNull("num_outputs") is { } no ? (int)no : outputs;
            int chunk = (size + n - 1) / n;
            sizes = new int[n];
            for (int i = 0; i < n; i++) sizes[i] = Math.Max(0, Math.Min(chunk, size - i * chunk));
        }
        if (sizes.Sum() != size)
            throw new ArgumentException($"{c.Op}: split sizes [{string.Join(", ", sizes)}] do not add up to dim {axis} of {x.Shape}.");
        var result = new Tensor?[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            result[i] = x.Slice(axis, start, start + sizes[i]);
            start += sizes[i];
        }
        return result;
    }

    private static Tensor Constant(OnnxOpContext c)
    {
        var node = c.Node;
        if (node.Attribute("value") is { } v) return OnnxTensors.ToTensor(v.T, null);
        if (node.Attribute("value_float") is { } f) return Tensor.Scalar(f.F, DType.Float32);
        if (node.Attribute("value_floats") is { } fs) return Tensor.From(fs.Floats.ToArray(), fs.Floats.Count);
        if (node.Attribute("value_int") is { } i) return Tensor.Scalar(i.I, DType.Int64);
        if (node.Attribute("value_ints") is { } iss) return Tensor.From(iss.Ints.ToArray(), iss.Ints.Count);
        if (node.Has("sparse_value")) throw c.Unsupported("sparse_value constants");
        throw c.Unsupported("a constant of string type or without a value");
    }

    private static Tensor Pad(OnnxOpContext c)
    {
        var x = c.Input(0);
        string mode = c.String("mode", "constant");
        long[] pads;
        double value;
        if (c.Opset < 11)
        {
            pads = c.Ints("pads") ?? c.Ints("paddings") ?? throw new ArgumentException($"{c.Op}: pads are required.");
            value = c.Float("value", 0);
        }
        else
        {
            pads = OnnxShapes.Longs(c.Input(1));
            value = c.OptionalInput(2) is { Numel: > 0 } cv ? cv.Reshape(1).To(DType.Float64).Item() : 0;
        }
        int rank = x.Rank;
        var full = new long[2 * rank];
        if (c.OptionalInput(3) is { } axesT)
        {
            var axes = OnnxShapes.Longs(axesT);
            for (int i = 0; i < axes.Length; i++)
            {
                int a = OnnxShapes.Axis(axes[i], rank, c.Op);
                full[a] = pads[i];
                full[a + rank] = pads[i + axes.Length];
            }
        }
        else
        {
            if (pads.Length != 2 * rank) throw new ArgumentException($"{c.Op}: expected {2 * rank} pads for input {x.Shape}, got {pads.Length}.");
            full = pads;
        }
        return PadTensor(x, full, mode, value, c);
    }

    /// <summary>Pads with ONNX's pads layout [begin_0..begin_n-1, end_0..end_n-1].</summary>
    internal static Tensor PadTensor(Tensor x, long[] pads, string mode, double value, OnnxOpContext c)
    {
        int rank = x.Rank;
        int first = 0;
        while (first < rank && pads[first] == 0 && pads[first + rank] == 0) first++;
        if (first == rank) return x;
        var torchPads = new List<int>();
        for (int d = rank - 1; d >= first; d--)
        {
            torchPads.Add((int)pads[d]);
            torchPads.Add((int)pads[d + rank]);
        }
        var padMode = mode switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Replicate,
            "wrap" => PadMode.Circular,
            _ => throw c.Unsupported($"pad mode '{mode}'"),
        };
        bool isBool = x.DType == DType.Bool;
        var src = isBool ? x.To(DType.Int32) : x;
        var y = src.Pad(torchPads.ToArray(), padMode, value);
        return isBool ? y.To(DType.Bool) : y;
    }
}
