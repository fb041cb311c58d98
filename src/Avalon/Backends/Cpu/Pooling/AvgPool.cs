using System.Numerics;
using Avalon.Primitives.Pooling;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// Average pooling (avg_pool1d/2d/3d) forward and backward with PyTorch's divisor rule: the window is
/// clipped to the padded input for count_include_pad and to the input otherwise, unless a divisor
/// override is given; a window that lies entirely in the padding produces 0.
/// </summary>
internal static unsafe class AvgPool
{
    /// <summary>
    /// output[N, C, oD, oH, oW] = window sums / divisor. <paramref name="divisorOverride"/> of null uses
    /// the window size rule; otherwise it must be non-zero.
    /// </summary>
    public static void Forward<T>(in PoolGeometry g, bool countIncludePad, int? divisorOverride, ReadOnlySpan<T> input,
        Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(g, divisorOverride);
        g.RequireLength("input", input.Length, g.InputLength);
        g.RequireLength("output", output.Length, g.OutputLength);
        fixed (T* pIn = input, pOut = output)
        {
            var job = Job<T>.Rent().Set(g, countIncludePad, divisorOverride ?? 0, pIn, pOut, backward: false);
            try
            {
                PlaneParallel.For(g.Planes, (long)g.OutputPlane * g.KernelVolume, job.Body);
            }
            finally
            {
                job.Return();
            }
        }
    }

    /// <summary>gradInput = adjoint of <see cref="Forward{T}"/> applied to gradOutput. Overwrites gradInput.</summary>
    public static void Backward<T>(in PoolGeometry g, bool countIncludePad, int? divisorOverride, ReadOnlySpan<T> gradOutput,
        Span<T> gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(g, divisorOverride);
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("grad_input", gradInput.Length, g.InputLength);
        gradInput.Clear();
        fixed (T* pGy = gradOutput, pGx = gradInput)
        {
            var job = Job<T>.Rent().Set(g, countIncludePad, divisorOverride ?? 0, pGx, pGy, backward: true);
            try
            {
                PlaneParallel.For(g.Planes, (long)g.OutputPlane * g.KernelVolume, job.Body);
            }
            finally
            {
                job.Return();
            }
        }
    }

    private static void Validate(in PoolGeometry g, int? divisorOverride)
    {
        if (divisorOverride == 0)
            throw OpErrors.Argument(g.OperationName, $"divisor_override must be non-zero, got 0.");
        if (g.DilationDepth != 1 || g.DilationHeight != 1 || g.DilationWidth != 1)
            throw OpErrors.Argument(g.OperationName, $"average pooling has no dilation; create the geometry with PoolGeometry.CreateAverage.");
    }

    /// <summary>
    /// Forward reads the input and writes the output; backward reads the output
    /// (the gradient) and accumulates into the input (the input gradient). Both walk the same windows. Reused per thread.
    /// </summary>
    private sealed class Job<T> : ReusableJob<Job<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
        public readonly Action<int, int> Body;

        private PoolGeometry _g;
        private bool _countIncludePad, _backward;
        private int _divisorOverride;
        private T* _input, _output;

        public Job() => Body = Execute;

        public Job<T> Set(in PoolGeometry g, bool countIncludePad, int divisorOverride, T* input, T* output, bool backward)
        {
            _g = g;
            _countIncludePad = countIncludePad;
            _divisorOverride = divisorOverride;
            _input = input;
            _output = output;
            _backward = backward;
            return this;
        }

        private void Execute(int first, int end)
        {
            PoolGeometry g = _g;
            bool countIncludePad = _countIncludePad, backward = _backward;
            int divisorOverride = _divisorOverride;
            T* input = _input, output = _output;
            int inD = g.InputDepth, inH = g.InputHeight, inW = g.InputWidth;
            for (int plane = first; plane < end; plane++)
            {
                T* x = input + (long)plane * g.InputPlane;
                T* y = output + (long)plane * g.OutputPlane;
                for (int od = 0; od < g.OutputDepth; od++)
                {
                    Window(od, g.StrideDepth, g.PadDepth, g.KernelDepth, inD, out int d0, out int d1, out int dPadded);
                    for (int oh = 0; oh < g.OutputHeight; oh++)
                    {
                        Window(oh, g.StrideHeight, g.PadHeight, g.KernelHeight, inH, out int h0, out int h1, out int hPadded);
                        for (int ow = 0; ow < g.OutputWidth; ow++, y++)
                        {
                            Window(ow, g.StrideWidth, g.PadWidth, g.KernelWidth, inW, out int w0, out int w1, out int wPadded);
                            if (d0 >= d1 || h0 >= h1 || w0 >= w1)
                            {
                                if (!backward) *y = T.Zero;
                                continue;
                            }
                            long divisor = divisorOverride != 0 ? divisorOverride
                                : countIncludePad ? (long)dPadded * hPadded * wPadded
                                : (long)(d1 - d0) * (h1 - h0) * (w1 - w0);
                            if (backward)
                            {
                                T share = *y / T.CreateTruncating(divisor);
                                PoolWindow.Spread(x, inH, inW, d0, d1, h0, h1, w0, w1, share);
                            }
                            else
                            {
                                T sum = PoolWindow.Sum(x, inH, inW, d0, d1, h0, h1, w0, w1);
                                *y = sum / T.CreateTruncating(divisor);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The window of output cell <paramref name="o"/>: [start, end) clipped to the input, and its length
    /// when clipped only to the padded input (PyTorch's pool_size for count_include_pad).
    /// </summary>
    private static void Window(int o, int stride, int pad, int kernel, int size, out int start, out int end, out int padded)
    {
        start = o * stride - pad;
        end = Math.Min(start + kernel, size + pad);
        padded = end - start;
        start = Math.Max(start, 0);
        end = Math.Min(end, size);
    }
}
