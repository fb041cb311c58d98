using Avalon.Nn;

namespace Avalon.Onnx.Ops;

/// <summary>MatMul, Gemm, convolutions, softmax family, dropout and local response normalisation.</summary>
internal static class NnOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("MatMul", c =>
        {
            var a = c.Input(0); var b = c.Input(1);
            if (a.DType.IsFloatingPoint()) return a.MatMul(b.DType == a.DType ? b : b.To(a.DType));
            return a.To(DType.Float64).MatMul(b.To(DType.Float64)).To(a.DType);
        });
        t.One("Gemm", c =>
        {
            var a = c.Input(0); var b = c.Input(1);
            if (c.Int("transA", 0) != 0) a = a.T;
            if (c.Int("transB", 0) != 0) b = b.T;
            double alpha = c.Float("alpha", 1.0), beta = c.Float("beta", 1.0);
            bool integer = !a.DType.IsFloatingPoint();
            var dtype = a.DType;
            if (integer) { a = a.To(DType.Float64); b = b.To(DType.Float64); }
            var y = a.MatMul(b);
            if (alpha != 1) y = y * alpha;
            if (c.OptionalInput(2) is { } bias && beta != 0)
            {
                var cb = bias.DType == y.DType ? bias : bias.To(y.DType);
                y = y + (beta == 1 ? cb : cb * beta);
            }
            return integer ? y.To(dtype) : y;
        });
        t.One("Conv", Conv);
        t.One("ConvTranspose", ConvTranspose);
        t.One("Softmax", c => SoftmaxLike(c, (x, d) => x.Softmax(d)));
        t.One("LogSoftmax", c => SoftmaxLike(c, (x, d) => x.LogSoftmax(d)));
        t.One("Hardmax", c => SoftmaxLike(c, (x, d) =>
        {
            var idx = x.ArgMax(d, keepDim: true);
            var range = Tensor.Arange(0L, x.Shape[d], 1L, DType.Int64);
            var shape = Enumerable.Repeat(1, x.Rank).ToArray();
            shape[d] = x.Shape[d];
            return idx.Eq(range.Reshape(shape)).To(x.DType);
        }));
        t.Add("Dropout", Dropout);
        t.One("LRN", c =>
        {
            var x = c.Input(0);
            int size = (int)c.Int("size", 1);
            double alpha = c.Float("alpha", 1e-4), beta = c.Float("beta", 0.75), bias = c.Float("bias", 1.0);
            int channels = x.Shape[1];
            int before = (size - 1) / 2, after = size - 1 - before;
            var sq = x.Square();
            var pads = new long[2 * x.Rank];
            pads[1] = before;
            pads[x.Rank + 1] = after;
            var padded = ShapeOps.PadTensor(sq, pads, "constant", 0, c);
            Tensor sum = padded.Slice(1, 0, channels);
            for (int j = 1; j < size; j++) sum = sum + padded.Slice(1, j, j + channels);
            return x / (sum * (alpha / size) + bias).Pow(beta);
        });
    }

    private static Tensor SoftmaxLike(OnnxOpContext c, Func<Tensor, int, Tensor> f)
    {
        var x = c.Input(0);
        if (x.Rank == 0) return f(x.Reshape(1), 0).Reshape([]);
        if (c.Opset >= 13) return f(x, OnnxShapes.Axis(c.Int("axis", -1), x.Rank, c.Op));
        // Before opset 13 the input is coerced to 2-D at axis, and the function runs over the second dim.
        int axis = (int)c.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.Shape[i];
        int inner = outer == 0 ? 0 : x.Numel / outer;
        return f(x.Reshape(outer, inner), 1).Reshape(x.Shape.ToArray());
    }

    private static Tensor?[] Dropout(OnnxOpContext c)
    {
        var x = c.Input(0);
        double ratio;
        bool training;
        if (c.Opset < 12)
        {
            ratio = c.Float("ratio", 0.5);
            training = c.Run.Training && c.Int("is_test", 0) == 0;
        }
        else
        {
            ratio = c.OptionalInput(1) is { } r ? r.To(DType.Float64).Item() : 0.5;
            training = c.OptionalInput(2) is { } tm ? tm.To(DType.Bool).Item<bool>() : c.Run.Training;
        }
        if (!training || ratio == 0)
            return [x, c.OutputWanted(1) ? Tensor.Ones(x.Shape.ToArray(), DType.Bool) : null];
        var y = x.Dropout(ratio, training: true);
        return [y, c.OutputWanted(1) ? y.Ne(ElementwiseOps.Zero(y)) : null];
    }

    private static Tensor Conv(OnnxOpContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var b = c.OptionalInput(2);
        int spatial = x.Rank - 2;
        if (spatial is < 1 or > 3) throw c.Unsupported($"{spatial}-D convolution (input {x.Shape})");
        var win = OnnxWindow.Read(c, x.Shape.ToArray()[2..], w.Shape.ToArray()[2..]);
        int groups = (int)c.Int("group", 1);
        int[] padding;
        if (win.Symmetric) padding = win.PadBegin;
        else
        {
            x = win.PadInput(x, 0, c);
            padding = new int[spatial];
        }
        return spatial switch
        {
            1 => Functional.Conv1d(x, w, b, win.Strides, padding, win.Dilations, groups),
            2 => Functional.Conv2d(x, w, b, win.Strides, padding, win.Dilations, groups),
            _ => Functional.Conv3d(x, w, b, win.Strides, padding, win.Dilations, groups),
        };
    }

    private static Tensor ConvTranspose(OnnxOpContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var b = c.OptionalInput(2);
        int spatial = x.Rank - 2;
        if (spatial is < 1 or > 3) throw c.Unsupported($"{spatial}-D transposed convolution (input {x.Shape})");
        var input = x.Shape.ToArray()[2..];
        var kernel = c.Ints("kernel_shape") is { } ks ? OnnxShapes.Dims(ks, c.Op) : w.Shape.ToArray()[2..];
        var strides = c.Ints("strides") is { Length: > 0 } s ? OnnxShapes.Dims(s, c.Op) : Enumerable.Repeat(1, spatial).ToArray();
        var dilations = c.Ints("dilations") is { Length: > 0 } d ? OnnxShapes.Dims(d, c.Op) : Enumerable.Repeat(1, spatial).ToArray();
        var outPad = c.Ints("output_padding") is { Length: > 0 } op ? OnnxShapes.Dims(op, c.Op) : new int[spatial];
        int groups = (int)c.Int("group", 1);
        string autoPad = c.String("auto_pad", "NOTSET");
        var begin = new int[spatial];
        var end = new int[spatial];
        var outputShape = c.Ints("output_shape");
        if (outputShape is { Length: > 0 } || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int i = 0; i < spatial; i++)
            {
                int target = outputShape is { Length: > 0 } ? (int)outputShape[outputShape.Length - spatial + i] : input[i] * strides[i];
                int total = strides[i] * (input[i] - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1 - target;
                if (total < 0) { begin[i] = 0; end[i] = total; }
                else if (autoPad == "SAME_UPPER") { begin[i] = total / 2; end[i] = total - total / 2; }
                else { begin[i] = total - total / 2; end[i] = total / 2; }
            }
        }
        else if (c.Ints("pads") is { Length: > 0 } pads)
        {
            for (int i = 0; i < spatial; i++) { begin[i] = (int)pads[i]; end[i] = (int)pads[i + spatial]; }
        }
        // The full transposed convolution, then output_padding zeros at the end and the pads cropped.
        var zero = new int[spatial];
        var y = spatial switch
        {
            1 => Functional.ConvTranspose1d(x, w, null, strides, zero, zero, groups, dilations),
            2 => Functional.ConvTranspose2d(x, w, null, strides, zero, zero, groups, dilations),
            _ => Functional.ConvTranspose3d(x, w, null, strides, zero, zero, groups, dilations),
        };
        var crop = new long[2 * y.Rank];
        for (int i = 0; i < spatial; i++)
        {
            crop[2 + i] = -begin[i];
            crop[y.Rank + 2 + i] = outPad[i] - end[i];
        }
        y = ShapeOps.PadTensor(y, crop, "constant", 0, c);
        if (b is not null)
        {
            var shape = Enumerable.Repeat(1, y.Rank).ToArray();
            shape[1] = b.Numel;
            y = y + b.Reshape(shape);
        }
        return y;
    }
}
