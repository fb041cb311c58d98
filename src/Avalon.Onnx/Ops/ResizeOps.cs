namespace Avalon.Onnx.Ops;

/// <summary>
/// Resize (opsets 10–18) and Upsample, composed separably: along each resized axis, every output
/// element is a weighted sum of a few input elements (index_select + weights computed on the host from
/// ONNX's coordinate transformation, nearest rounding, linear and cubic kernels). Gradients flow to the input.
/// </summary>
internal static class ResizeOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("Resize", Resize);
        t.One("Upsample", c =>
        {
            var x = c.Input(0);
            var scales = c.Opset >= 9 ? OnnxShapes.Doubles(c.Input(1)) : Array.ConvertAll(c.Floats("scales")!, f => (double)f);
            string mode = c.String("mode", "nearest");
            var sizes = new int[x.Rank];
            for (int i = 0; i < x.Rank; i++) sizes[i] = (int)Math.Floor(x.Shape[i] * scales[i]);
            return Apply(c, x, sizes, scales, mode == "bilinear" ? "linear" : mode, "asymmetric", "floor", -0.75, false, 0, null);
        });
    }

    private static Tensor Resize(OnnxOpContext c)
    {
        var x = c.Input(0);
        int rank = x.Rank;
        string mode = c.String("mode", "nearest");
        if (c.Int("antialias", 0) != 0) throw c.Unsupported("antialias");
        string policy = c.String("keep_aspect_ratio_policy", "stretch");
        if (policy != "stretch") throw c.Unsupported($"keep_aspect_ratio_policy '{policy}'");
        string transform = c.Opset < 11 ? "asymmetric" : c.String("coordinate_transformation_mode", "half_pixel");
        string nearest = c.Opset < 11 ? "floor" : c.String("nearest_mode", "round_prefer_floor");
        double[]? roi = null, scalesGiven = null;
        long[]? sizesGiven = null;
        if (c.Opset < 11) scalesGiven = OnnxShapes.Doubles(c.Input(1));
        else
        {
            if (c.OptionalInput(1) is { Numel: > 0 } r) roi = OnnxShapes.Doubles(r);
            if (c.OptionalInput(2) is { Numel: > 0 } s) scalesGiven = OnnxShapes.Doubles(s);
            if (c.OptionalInput(3) is { Numel: > 0 } z) sizesGiven = OnnxShapes.Longs(z);
        }
        var axes = c.Ints("axes") is { } ax ? ax.Select(a => OnnxShapes.Axis(a, rank, c.Op)).ToArray() : Enumerable.Range(0, rank).ToArray();
        var scales = Enumerable.Repeat(1.0, rank).ToArray();
        var sizes = x.Shape.ToArray();
        for (int j = 0; j < axes.Length; j++)
        {
            int a = axes[j];
            if (sizesGiven is not null)
            {
                sizes[a] = (int)sizesGiven[j];
                scales[a] = (double)sizes[a] / x.Shape[a];
            }
            else if (scalesGiven is not null)
            {
                scales[a] = scalesGiven[j];
                sizes[a] = (int)Math.Floor(x.Shape[a] * scales[a]);
            }
        }
        double[]? fullRoi = null;
        if (roi is not null)
        {
            fullRoi = new double[2 * rank];
            for (int i = 0; i < rank; i++) { fullRoi[i] = 0; fullRoi[rank + i] = 1; }
            for (int j = 0; j < axes.Length; j++)
            {
                fullRoi[axes[j]] = roi[j];
                fullRoi[rank + axes[j]] = roi[axes.Length + j];
            }
        }
        return Apply(c, x, sizes, scales, mode, transform, nearest, c.Float("cubic_coeff_a", -0.75),
            c.Int("exclude_outside", 0) != 0, c.Float("extrapolation_value", 0), fullRoi);
    }

    private static Tensor Apply(OnnxOpContext c, Tensor x, int[] sizes, double[] scales, string mode, string transform,
        string nearest, double cubicA, bool excludeOutside, double extrapolation, double[]? roi)
    {
        if (mode is not ("nearest" or "linear" or "cubic")) throw c.Unsupported($"mode '{mode}'");
        bool integer = !x.DType.IsFloatingPoint();
        var y = integer ? x.To(DType.Float64) : x;
        int rank = x.Rank;
        for (int axis = 0; axis < rank; axis++)
        {
            int inSize = x.Shape[axis], outSize = sizes[axis];
            if (outSize == inSize && scales[axis] == 1 && transform != "tf_crop_and_resize") continue;
            var taps = Taps(c, inSize, outSize, scales[axis], mode, transform, nearest, cubicA, excludeOutside,
                roi is null ? 0 : roi[axis], roi is null ? 1 : roi[rank + axis], out var outside);
            var shape = Enumerable.Repeat(1, rank).ToArray();
            shape[axis] = outSize;
            Tensor? sum = null;
            foreach (var (index, weight) in taps)
            {
                var picked = y.IndexSelect(axis, Tensor.From(index, outSize));
                var term = mode == "nearest" && taps.Count == 1 ? picked : picked * Tensor.From(weight, outSize).To(y.DType).Reshape(shape);
                sum = sum is null ? term : sum + term;
            }
            y = sum!;
            if (outside is not null)
            {
                var mask = Tensor.From(outside, outSize).Reshape(shape);
                y = Tensor.Where(mask, Tensor.Scalar(extrapolation, y.DType), y);
            }
        }
        return integer ? ElementwiseOps.Cast(y, x.DType, -1) : y;
    }

    private static List<(long[] Index, double[] Weight)> Taps(OnnxOpContext c, int inSize, int outSize, double scale, string mode,
        string transform, string nearest, double a, bool excludeOutside, double roiStart, double roiEnd, out bool[]? outside)
    {
        int count = mode switch { "nearest" => 1, "linear" => 2, _ => 4 };
        var taps = new List<(long[], double[])>();
        for (int k = 0; k < count; k++) taps.Add((new long[outSize], new double[outSize]));
        outside = transform == "tf_crop_and_resize" ? new bool[outSize] : null;
        for (int o = 0; o < outSize; o++)
        {
            double xo = transform switch
            {
                "half_pixel" => (o + 0.5) / scale - 0.5,
                "pytorch_half_pixel" => outSize > 1 ? (o + 0.5) / scale - 0.5 : 0,
                "align_corners" => outSize == 1 ? 0 : o * (inSize - 1) / (inSize * scale - 1),
                "asymmetric" => o / scale,
                "tf_half_pixel_for_nn" => (o + 0.5) / scale,
                "tf_crop_and_resize" => outSize > 1
                    ? roiStart * (inSize - 1) + o * (roiEnd - roiStart) * (inSize - 1) / (inSize * scale - 1)
                    : 0.5 * (roiStart + roiEnd) * (inSize - 1),
                _ => throw c.Unsupported($"coordinate_transformation_mode '{transform}'"),
            };
            if (outside is not null && (xo < 0 || xo > inSize - 1)) outside[o] = true;
            if (mode == "nearest")
            {
                double r = nearest switch
                {
                    "round_prefer_floor" => xo - Math.Floor(xo) == 0.5 ? Math.Floor(xo) : Math.Round(xo),
                    "round_prefer_ceil" => Math.Floor(xo + 0.5),
                    "floor" => Math.Floor(xo),
                    "ceil" => Math.Ceiling(xo),
                    _ => throw c.Unsupported($"nearest_mode '{nearest}'"),
                };
                taps[0].Item1[o] = Math.Clamp((long)r, 0, inSize - 1);
                taps[0].Item2[o] = 1;
            }
            else if (mode == "linear")
            {
                double xc = Math.Clamp(xo, 0, inSize - 1);
                long x0 = (long)Math.Floor(xc);
                long x1 = Math.Min(x0 + 1, inSize - 1);
                double w = xc - x0;
                taps[0].Item1[o] = x0; taps[0].Item2[o] = 1 - w;
                taps[1].Item1[o] = x1; taps[1].Item2[o] = w;
            }
            else
            {
                long x0 = (long)Math.Floor(xo);
                double t = xo - x0;
                double[] w =
                [
                    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                    ((a + 2) * t - (a + 3)) * t * t + 1,
                    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
                ];
                double total = 0;
                for (int k = 0; k < 4; k++)
                {
                    long src = x0 - 1 + k;
                    if (excludeOutside && (src < 0 || src >= inSize)) w[k] = 0;
                    total += w[k];
                }
                for (int k = 0; k < 4; k++)
                {
                    taps[k].Item1[o] = Math.Clamp(x0 - 1 + k, 0, inSize - 1);
                    taps[k].Item2[o] = excludeOutside ? w[k] / total : w[k];
                }
            }
        }
        return taps;
    }
}
