using System.Numerics;
using Avalon.Backends.Cpu.Pooling;

namespace Avalon.Backends.Cpu.Upsampling;

/// <summary>
/// Separable interpolation of contiguous [planes, D, H, W] data (1-d and 2-d problems have identity
/// leading axes): each output is Σ over at most two taps per axis of the product of the axis weights
/// times the input. Nearest-neighbour is the one-tap case. Backward scatters with the same weights.
/// </summary>
internal static unsafe class Interpolation
{
    /// <summary>output[p, od, oh, ow] = Σ weights · input[p, ...]. Overwrites output.</summary>
    public static void Forward<T>(int planes, InterpolationAxis<T> d, InterpolationAxis<T> h, InterpolationAxis<T> w,
        ReadOnlySpan<T> input, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(planes, d, h, w, input.Length, output.Length);
        fixed (T* pIn = input, pOut = output)
        {
            var job = new Job<T>(d, h, w, pIn, pOut);
            PlaneParallel.For(planes, (long)d.Output * h.Output * w.Output * 4, job.Forward);
        }
    }

    /// <summary>gradInput = adjoint of <see cref="Forward{T}"/> applied to gradOutput. Overwrites gradInput.</summary>
    public static void Backward<T>(int planes, InterpolationAxis<T> d, InterpolationAxis<T> h, InterpolationAxis<T> w,
        ReadOnlySpan<T> gradOutput, Span<T> gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(planes, d, h, w, gradInput.Length, gradOutput.Length);
        gradInput.Clear();
        fixed (T* pIn = gradInput, pOut = gradOutput)
        {
            var job = new Job<T>(d, h, w, pIn, pOut);
            PlaneParallel.For(planes, (long)d.Output * h.Output * w.Output * 4, job.Backward);
        }
    }

    private static void Check<T>(int planes, InterpolationAxis<T> d, InterpolationAxis<T> h, InterpolationAxis<T> w,
        int inputLength, int outputLength) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long input = (long)planes * d.Input * h.Input * w.Input, output = (long)planes * d.Output * h.Output * w.Output;
        if (inputLength != input || outputLength != output)
            throw OpErrors.Argument(
                "interpolate", $"expected input of {input} and output of {output} elements for {planes} planes of " +
                $"[{d.Input}, {h.Input}, {w.Input}] -> [{d.Output}, {h.Output}, {w.Output}], got {inputLength} and {outputLength}.");
    }

    /// <summary>Forward reads input and writes output; backward reads output (gradient) and accumulates into input.</summary>
    private sealed class Job<T>(InterpolationAxis<T> d, InterpolationAxis<T> h, InterpolationAxis<T> w, T* input, T* output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _inPlane = d.Input * h.Input * w.Input;
        private readonly int _outPlane = d.Output * h.Output * w.Output;

        /// <summary>Every output copies one input (nearest): no weights, so infinities do not turn into NaN through 0 · ∞.</summary>
        private readonly bool _singleTap = d.IsSingleTap && h.IsSingleTap && w.IsSingleTap;

        public void Forward(int first, int end)
        {
            int inH = h.Input, inW = w.Input;
            for (int p = first; p < end; p++)
            {
                T* x = input + (long)p * _inPlane;
                T* y = output + (long)p * _outPlane;
                if (_singleTap)
                {
                    Copy(x, y, gather: true);
                    continue;
                }
                for (int od = 0; od < d.Output; od++)
                {
                    T* x0 = x + (long)d.Index0[od] * inH * inW;
                    T* x1 = x0 + (long)d.Offset[od] * inH * inW;
                    T ld0 = d.Lambda0[od], ld1 = d.Lambda1[od];
                    bool twoD = d.Offset[od] != 0;
                    for (int oh = 0; oh < h.Output; oh++)
                    {
                        int r0 = h.Index0[oh] * inW, r1 = r0 + h.Offset[oh] * inW;
                        T lh0 = h.Lambda0[oh], lh1 = h.Lambda1[oh];
                        for (int ow = 0; ow < w.Output; ow++)
                        {
                            int c0 = w.Index0[ow], c1 = c0 + w.Offset[ow];
                            T lw0 = w.Lambda0[ow], lw1 = w.Lambda1[ow];
                            T v = lh0 * (lw0 * x0[r0 + c0] + lw1 * x0[r0 + c1]) + lh1 * (lw0 * x0[r1 + c0] + lw1 * x0[r1 + c1]);
                            if (twoD)
                                v = ld0 * v + ld1 * (lh0 * (lw0 * x1[r0 + c0] + lw1 * x1[r0 + c1]) + lh1 * (lw0 * x1[r1 + c0] + lw1 * x1[r1 + c1]));
                            else if (ld1 != T.Zero)
                                v *= ld0 + ld1;
                            *y++ = v;
                        }
                    }
                }
            }
        }

        /// <summary>Single-tap plane: y[o] = x[src(o)] (gather) or x[src(o)] += y[o] (scatter).</summary>
        private void Copy(T* x, T* y, bool gather)
        {
            int inH = h.Input, inW = w.Input;
            for (int od = 0; od < d.Output; od++)
            {
                T* xd = x + (long)d.Index0[od] * inH * inW;
                for (int oh = 0; oh < h.Output; oh++)
                {
                    T* row = xd + (long)h.Index0[oh] * inW;
                    int[] cols = w.Index0;
                    if (gather)
                        for (int ow = 0; ow < cols.Length; ow++) *y++ = row[cols[ow]];
                    else
                        for (int ow = 0; ow < cols.Length; ow++) row[cols[ow]] += *y++;
                }
            }
        }

        public void Backward(int first, int end)
        {
            int inH = h.Input, inW = w.Input;
            for (int p = first; p < end; p++)
            {
                T* gx = input + (long)p * _inPlane;
                T* gy = output + (long)p * _outPlane;
                if (_singleTap)
                {
                    Copy(gx, gy, gather: false);
                    continue;
                }
                for (int od = 0; od < d.Output; od++)
                {
                    T* x0 = gx + (long)d.Index0[od] * inH * inW;
                    T* x1 = x0 + (long)d.Offset[od] * inH * inW;
                    T ld0 = d.Lambda0[od], ld1 = d.Lambda1[od];
                    for (int oh = 0; oh < h.Output; oh++)
                    {
                        int r0 = h.Index0[oh] * inW, r1 = r0 + h.Offset[oh] * inW;
                        T lh0 = h.Lambda0[oh], lh1 = h.Lambda1[oh];
                        for (int ow = 0; ow < w.Output; ow++)
                        {
                            int c0 = w.Index0[ow], c1 = c0 + w.Offset[ow];
                            T lw0 = w.Lambda0[ow], lw1 = w.Lambda1[ow];
                            T g = *gy++;
                            T g0 = ld0 * g, g1 = ld1 * g;
                            x0[r0 + c0] += g0 * lh0 * lw0;
                            x0[r0 + c1] += g0 * lh0 * lw1;
                            x0[r1 + c0] += g0 * lh1 * lw0;
                            x0[r1 + c1] += g0 * lh1 * lw1;
                            x1[r0 + c0] += g1 * lh0 * lw0;
                            x1[r0 + c1] += g1 * lh0 * lw1;
                            x1[r1 + c0] += g1 * lh1 * lw0;
                            x1[r1 + c1] += g1 * lh1 * lw1;
                        }
                    }
                }
            }
        }
    }
}
