namespace Avalon.Onnx.Ops;

/// <summary>
/// DFT and STFT (opset 17) as two matmuls with cosine and sine matrices over the transformed axis (real or complex
/// input, inverse, onesided, dft_length), so gradients flow through it.
/// </summary>
internal static class DftOp
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("DFT", c =>
        {
            var x = c.Input(0);
            int axis = OnnxShapes.Axis(c.Int("axis", 1), x.Rank, c.Op);
            int? length = c.OptionalInput(1) is { Numel: > 0 } len ? (int)OnnxShapes.Longs(len)[0] : null;
            return Transform(c, x, axis, c.Int("inverse", 0) != 0, c.Int("onesided", 0) != 0, length);
        });
        t.One("STFT", c =>
        {
            // Frames [batch, frames, frame_length, parts], windowed, then a onesided (by default) DFT per frame.
            var x = c.Input(0);
            int step = (int)OnnxShapes.Longs(c.Input(1))[0];
            var window = c.OptionalInput(2);
            int frameLength = c.OptionalInput(3) is { Numel: > 0 } fl ? (int)OnnxShapes.Longs(fl)[0]
                : window?.Numel ?? throw new ArgumentException($"{c.Op}: frame_length or window is required.");
            int frames = (x.Shape[1] - frameLength) / step + 1;
            var parts = new List<Tensor>();
            for (int f = 0; f < frames; f++) parts.Add(x.Slice(1, f * step, f * step + frameLength));
            var framed = Tensor.Stack(parts, 1);
            if (window is not null) framed = framed * window.To(framed.DType).Reshape(1, 1, frameLength, 1);
            return Transform(c, framed, 2, inverse: false, onesided: c.Int("onesided", 1) != 0, null);
        });
    }

    private static Tensor Transform(OnnxOpContext c, Tensor x, int axis, bool inverse, bool onesided, int? dftLength)
    {
        if (!x.DType.IsFloatingPoint()) x = x.To(DType.Float32);
        int rank = x.Rank;
        if (axis == rank - 1) throw new ArgumentException($"{c.Op}: axis must not be the last (real/imaginary) dim.");
        int complexParts = x.Shape[rank - 1];
        var re = x.Select(rank - 1, 0);
        var im = complexParts == 2 ? x.Select(rank - 1, 1) : null;
        int n = x.Shape[axis];
        int length = dftLength ?? n;
        re = Fit(re, axis, n, length, c);
        if (im is not null) im = Fit(im, axis, n, length, c);
        int outLength = onesided ? length / 2 + 1 : length;
        var cos = new double[length * outLength];
        var sin = new double[length * outLength];
        for (int i = 0; i < length; i++)
            for (int k = 0; k < outLength; k++)
            {
                double angle = 2 * Math.PI * ((long)i * k % length) / length;
                cos[i * outLength + k] = Math.Cos(angle);
                sin[i * outLength + k] = Math.Sin(angle);
            }
        var cm = Tensor.From(cos, length, outLength).To(x.DType);
        var sm = Tensor.From(sin, length, outLength).To(x.DType);
        var rt = re.Transpose(axis, -1);
        var it = im?.Transpose(axis, -1);
        // e^{∓iθ}: forward (a + ib)(cos − i sin), inverse (a + ib)(cos + i sin) / L.
        double sign = inverse ? -1 : 1;
        var outRe = rt.MatMul(cm);
        var outIm = rt.MatMul(sm) * -sign;
        if (it is not null)
        {
            outRe = outRe + it.MatMul(sm) * sign;
            outIm = outIm + it.MatMul(cm);
        }
        if (inverse)
        {
            outRe = outRe / length;
            outIm = outIm / length;
        }
        return Tensor.Stack([outRe.Transpose(axis, -1), outIm.Transpose(axis, -1)], rank - 1);
    }

    private static Tensor Fit(Tensor t, int axis, int n, int length, OnnxOpContext c)
    {
        if (length == n) return t;
        if (length < n) return t.Slice(axis, 0, length);
        var pads = new long[2 * t.Rank];
        pads[t.Rank + axis] = length - n;
        return ShapeOps.PadTensor(t, pads, "constant", 0, c);
    }
}
