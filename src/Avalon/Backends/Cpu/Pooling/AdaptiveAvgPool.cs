using System.Numerics;
using Avalon.Primitives.Pooling;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// Adaptive average pooling (adaptive_avg_pool1d/2d/3d) forward and backward: each output cell is the
/// mean of its bin (see <see cref="AdaptivePoolGeometry"/>).
/// </summary>
internal static unsafe class AdaptiveAvgPool
{
    /// <summary>output[N, C, oD, oH, oW] = bin means of input[N, C, D, H, W].</summary>
    public static void Forward<T>(in AdaptivePoolGeometry g, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.InputLength);
        g.RequireLength("output", output.Length, g.OutputLength);
        fixed (T* pIn = input, pOut = output)
        {
            var job = Job<T>.Rent().Set(g, pIn, pOut, backward: false);
            try
            {
                PlaneParallel.For(g.Planes, g.InputPlane + (long)g.OutputPlane, job.Body);
            }
            finally
            {
                job.Return();
            }
        }
    }

    /// <summary>gradInput: each output gradient spread evenly over its bin. Overwrites gradInput.</summary>
    public static void Backward<T>(in AdaptivePoolGeometry g, ReadOnlySpan<T> gradOutput, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("grad_input", gradInput.Length, g.InputLength);
        gradInput.Clear();
        fixed (T* pGy = gradOutput, pGx = gradInput)
        {
            var job = Job<T>.Rent().Set(g, pGx, pGy, backward: true);
            try
            {
                PlaneParallel.For(g.Planes, g.InputPlane + (long)g.OutputPlane, job.Body);
            }
            finally
            {
                job.Return();
            }
        }
    }

    /// <summary>Forward reads input and writes output; backward reads output (gradient) and accumulates into input.</summary>
    private sealed class Job<T> : ReusableJob<Job<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
        public readonly Action<int, int> Body;

        private AdaptivePoolGeometry _g;
        private T* _input, _output;
        private bool _backward;

        public Job() => Body = Execute;

        public Job<T> Set(in AdaptivePoolGeometry g, T* input, T* output, bool backward)
        {
            _g = g;
            _input = input;
            _output = output;
            _backward = backward;
            return this;
        }

        private void Execute(int first, int end)
        {
            AdaptivePoolGeometry g = _g;
            T* input = _input, output = _output;
            bool backward = _backward;
            int inD = g.InputDepth, inH = g.InputHeight, inW = g.InputWidth;
            int outD = g.OutputDepth, outH = g.OutputHeight, outW = g.OutputWidth;
            for (int plane = first; plane < end; plane++)
            {
                T* x = input + (long)plane * g.InputPlane;
                T* y = output + (long)plane * g.OutputPlane;
                for (int od = 0; od < outD; od++)
                {
                    int d0 = AdaptivePoolGeometry.Start(od, inD, outD), d1 = AdaptivePoolGeometry.End(od, inD, outD);
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int h0 = AdaptivePoolGeometry.Start(oh, inH, outH), h1 = AdaptivePoolGeometry.End(oh, inH, outH);
                        for (int ow = 0; ow < outW; ow++, y++)
                        {
                            int w0 = AdaptivePoolGeometry.Start(ow, inW, outW), w1 = AdaptivePoolGeometry.End(ow, inW, outW);
                            T count = T.CreateTruncating((long)(d1 - d0) * (h1 - h0) * (w1 - w0));
                            if (backward)
                            {
                                T share = *y / count;
                                PoolWindow.Spread(x, inH, inW, d0, d1, h0, h1, w0, w1, share);
                            }
                            else
                            {
                                T sum = PoolWindow.Sum(x, inH, inW, d0, d1, h0, h1, w0, w1);
                                *y = sum / count;
                            }
                        }
                    }
                }
            }
        }
    }
}
