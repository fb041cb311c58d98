using Avalon.Nn;

namespace Avalon.Onnx.Ops;

/// <summary>MaxPool, AveragePool, LpPool and the global pools. 1-D pools run as 2-D pools over a height of one.</summary>
internal static class PoolingOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.Add("MaxPool", MaxPool);
        t.One("AveragePool", AveragePool);
        t.One("LpPool", c =>
        {
            var x = c.Input(0);
            double p = c.Int("p", 2);
            var win = OnnxWindow.Read(c, x.Shape.ToArray()[2..], null);
            var padded = win.AnyPad ? win.PadInput(x, 0, c) : x;
            return SumPool(padded.Abs().Pow(p), win, c.Int("ceil_mode", 0) != 0, c).Pow(1 / p);
        });
        t.One("GlobalAveragePool", c => c.Input(0).Mean(SpatialDims(c.Input(0)), keepDim: true));
        t.One("GlobalMaxPool", c => c.Input(0).Amax(SpatialDims(c.Input(0)), keepDim: true));
        t.One("GlobalLpPool", c =>
        {
            double p = c.Int("p", 2);
            return c.Input(0).Abs().Pow(p).Sum(SpatialDims(c.Input(0)), keepDim: true).Pow(1 / p);
        });
    }

    private static int[] SpatialDims(Tensor x) => Enumerable.Range(2, x.Rank - 2).ToArray();

    private static void CheckRank(OnnxOpContext c, Tensor x)
    {
        if (x.Rank is < 3 or > 5) throw c.Unsupported($"pooling over {x.Rank - 2} spatial dims (input {x.Shape})");
    }

    /// <summary>Whether the native pool's symmetric padding (at most half the effective window) can express the pads.</summary>
    private static bool NativePads(OnnxWindow win)
    {
        if (!win.Symmetric) return false;
        for (int i = 0; i < win.Rank; i++)
            if (win.PadBegin[i] * 2 > (win.Kernel[i] - 1) * win.Dilations[i] + 1) return false;
        return true;
    }

    private static Tensor Lift(Tensor x) => x.Rank == 3 ? x.Unsqueeze(2) : x;

    private static int[] Lift(int[] v, int fill) => v.Length == 1 ? [fill, v[0]] : v;

    private static Tensor?[] MaxPool(OnnxOpContext c)
    {
        var x = c.Input(0);
        CheckRank(c, x);
        bool ceil = c.Int("ceil_mode", 0) != 0;
        var win = OnnxWindow.Read(c, x.Shape.ToArray()[2..], null);
        bool wantIndices = c.OutputWanted(1);
        bool integer = !x.DType.IsFloatingPoint();
        var src = integer ? x.To(DType.Float64) : x;
        int[] padding;
        if (NativePads(win)) padding = win.PadBegin;
        else
        {
            if (wantIndices) throw c.Unsupported("Indices with asymmetric or large pads");
            src = win.PadInput(src, double.NegativeInfinity, c);
            padding = new int[win.Rank];
        }
        bool one = x.Rank == 3;
        var lx = Lift(src);
        var k = Lift(win.Kernel, 1); var s = Lift(win.Strides, 1); var p = Lift(padding, 0); var d = Lift(win.Dilations, 1);
        Tensor y;
        Tensor? indices = null;
        if (wantIndices)
        {
            var (values, idx) = lx.Rank == 4 ? Functional.MaxPool2dWithIndices(lx, k, s, p, d, ceil) : Functional.MaxPool3dWithIndices(lx, k, s, p, d, ceil);
            y = values;
            indices = GlobalIndices(idx, x, c.Int("storage_order", 0) != 0, c);
            if (one) indices = indices.Squeeze(2);
        }
        else
        {
            y = lx.Rank == 4 ? Functional.MaxPool2d(lx, k, s, p, d, ceil) : Functional.MaxPool3d(lx, k, s, p, d, ceil);
        }
        if (one) y = y.Squeeze(2);
        if (integer) y = y.To(x.DType);
        return [y, indices];
    }

    /// <summary>Per-plane positions → ONNX's positions in the whole flattened input (row- or column-major planes).</summary>
    private static Tensor GlobalIndices(Tensor planeIdx, Tensor x, bool columnMajor, OnnxOpContext c)
    {
        var shape = x.Shape.ToArray();
        int plane = 1;
        for (int i = 2; i < shape.Length; i++) plane *= shape[i];
        var idx = planeIdx;
        if (columnMajor)
        {
            if (shape.Length != 4) throw c.Unsupported("storage_order 1 outside 2-D pools");
            int h = shape[2], w = shape[3];
            var row = ElementwiseOps.Floor(idx.To(DType.Float64) / w).To(DType.Int64);
            var col = idx - row * w;
            idx = col * h + row;
        }
        var n = Tensor.Arange(0L, (long)shape[0] * shape[1], 1L, DType.Int64) * plane;
        var offShape = Enumerable.Repeat(1, idx.Rank).ToArray();
        offShape[0] = shape[0];
        offShape[1] = shape[1];
        return idx + n.Reshape(offShape);
    }

    private static Tensor AveragePool(OnnxOpContext c)
    {
        var x = c.Input(0);
        CheckRank(c, x);
        bool ceil = c.Int("ceil_mode", 0) != 0;
        bool includePad = c.Int("count_include_pad", 0) != 0;
        var win = OnnxWindow.Read(c, x.Shape.ToArray()[2..], null);
        if (win.Dilations.Any(d => d != 1)) throw c.Unsupported("dilated average pooling");
        if (NativePads(win) && !(ceil && win.AnyPad))
        {
            var lx = Lift(x);
            var k = Lift(win.Kernel, 1); var s = Lift(win.Strides, 1); var p = Lift(win.PadBegin, 0);
            var y = lx.Rank == 4 ? Functional.AvgPool2d(lx, k, s, p, ceil, includePad) : Functional.AvgPool3d(lx, k, s, p, ceil, includePad);
            return x.Rank == 3 ? y.Squeeze(2) : y;
        }
        // Explicit padding: window sums divided by the number of counted cells in each window.
        var padded = win.PadInput(x, 0, c);
        var ones = Tensor.OnesLike(x);
        var count = includePad ? Tensor.OnesLike(padded) : win.PadInput(ones, 0, c);
        return SumPool(padded, win, ceil, c) / SumPool(count, win, ceil, c);
    }

    /// <summary>Window sums without padding (average pooling with a divisor of one).</summary>
    private static Tensor SumPool(Tensor x, OnnxWindow win, bool ceil, OnnxOpContext c)
    {
        CheckRank(c, x);
        var lx = Lift(x);
        var k = Lift(win.Kernel, 1); var s = Lift(win.Strides, 1);
        var zero = new int[k.Length];
        var y = lx.Rank == 4
            ? Functional.AvgPool2d(lx, k, s, zero, ceil, true, 1)
            : Functional.AvgPool3d(lx, k, s, zero, ceil, true, 1);
        return x.Rank == 3 ? y.Squeeze(2) : y;
    }
}
