namespace Avalon.Onnx.Ops;

/// <summary>
/// GridSample (opset 16, 4-D input) composed from gathers: the grid's normalised coordinates are mapped to
/// pixels (align_corners or not), padded (zeros, border, reflection) and interpolated (nearest, bilinear,
/// bicubic with A = −0.75). Gradients flow to the input and, through the interpolation weights, to the grid.
/// </summary>
internal static class GridSampleOp
{
    public static void Register(Dictionary<string, OnnxOp> t) => t.One("GridSample", GridSample);

    private static Tensor GridSample(OnnxOpContext c)
    {
        var x = c.Input(0);
        var grid = c.Input(1);
        if (x.Rank != 4) throw c.Unsupported($"a {x.Rank}-D input (only [N, C, H, W])");
        bool align = c.Int("align_corners", 0) != 0;
        string mode = c.String("mode", "bilinear");
        string padding = c.String("padding_mode", "zeros");
        if (padding is not ("zeros" or "border" or "reflection")) throw c.Unsupported($"padding_mode '{padding}'");
        int n = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int ho = grid.Shape[1], wo = grid.Shape[2];
        var g = grid.DType == x.DType ? grid : grid.To(x.DType);
        var ix = Unnormalize(g.Select(3, 0), w, align);
        var iy = Unnormalize(g.Select(3, 1), h, align);
        var flat = x.Reshape(n, ch, h * w);

        Tensor Tap(Tensor xi, Tensor yi, Tensor? weight)
        {
            if (mode == "bicubic")
            {
                xi = Pad(xi, w, padding, align);
                yi = Pad(yi, h, padding, align);
            }
            var valid = xi.Ge(0).LogicalAnd(xi.Le(w - 1)).LogicalAnd(yi.Ge(0)).LogicalAnd(yi.Le(h - 1));
            var xc = xi.Clamp(0, w - 1);
            var yc = yi.Clamp(0, h - 1);
            var idx = (yc * w + xc).To(DType.Int64).Reshape(n, 1, ho * wo).Expand(n, ch, ho * wo).Contiguous();
            var v = flat.Gather(2, idx).Reshape(n, ch, ho, wo);
            var wt = valid.To(x.DType);
            if (weight is not null) wt = wt * weight;
            return v * wt.Unsqueeze(1);
        }

        switch (mode)
        {
            case "nearest":
            {
                var px = ElementwiseOps.Round(Pad(ix, w, padding, align));
                var py = ElementwiseOps.Round(Pad(iy, h, padding, align));
                return Tap(px, py, null);
            }
            case "bilinear":
            {
                var px = Pad(ix, w, padding, align);
                var py = Pad(iy, h, padding, align);
                var x0 = ElementwiseOps.Floor(px);
                var y0 = ElementwiseOps.Floor(py);
                var wx1 = px - x0; var wx0 = 1 - wx1;
                var wy1 = py - y0; var wy0 = 1 - wy1;
                return Tap(x0, y0, wx0 * wy0) + Tap(x0 + 1, y0, wx1 * wy0) + Tap(x0, y0 + 1, wx0 * wy1) + Tap(x0 + 1, y0 + 1, wx1 * wy1);
            }
            case "bicubic":
            {
                var x0 = ElementwiseOps.Floor(ix);
                var y0 = ElementwiseOps.Floor(iy);
                var cx = Cubic(ix - x0);
                var cy = Cubic(iy - y0);
                Tensor? sum = null;
                for (int j = 0; j < 4; j++)
                    for (int i = 0; i < 4; i++)
                    {
                        var tap = Tap(x0 + (i - 1), y0 + (j - 1), cx[i] * cy[j]);
                        sum = sum is null ? tap : sum + tap;
                    }
                return sum!;
            }
            default:
                throw c.Unsupported($"mode '{mode}'");
        }
    }

    private static Tensor Unnormalize(Tensor coord, int size, bool align) =>
        align ? (coord + 1) * ((size - 1) / 2.0) : ((coord + 1) * size - 1) / 2;

    private static Tensor[] Cubic(Tensor t)
    {
        const double a = -0.75;
        var t1 = t + 1; var s = 1 - t; var s1 = 2 - t;
        return
        [
            ((t1 * a - 5 * a) * t1 + 8 * a) * t1 - 4 * a,
            ((t * (a + 2)) - (a + 3)) * t * t + 1,
            ((s * (a + 2)) - (a + 3)) * s * s + 1,
            ((s1 * a - 5 * a) * s1 + 8 * a) * s1 - 4 * a,
        ];
    }

    private static Tensor Pad(Tensor coord, int size, string padding, bool align)
    {
        switch (padding)
        {
            case "border":
                return coord.Clamp(0, size - 1);
            case "reflection":
            {
                var r = align ? Reflect(coord, 0, 2 * (size - 1)) : Reflect(coord, -1, 2 * size - 1);
                return r.Clamp(0, size - 1);
            }
            default:
                return coord;
        }
    }

    /// <summary>Reflects coordinates into [low/2, high/2] (the twice-scaled bounds avoid half-integers).</summary>
    private static Tensor Reflect(Tensor x, int twiceLow, int twiceHigh)
    {
        if (twiceLow == twiceHigh) return x * 0;
        double min = twiceLow / 2.0, span = (twiceHigh - twiceLow) / 2.0;
        var d = (x - min).Abs();
        var flips = ElementwiseOps.Floor(d / span);
        var extra = d - flips * span;
        var even = (flips - ElementwiseOps.Floor(flips / 2) * 2).Eq(0);
        return Tensor.Where(even, extra + min, (extra.Neg() + span) + min);
    }
}
