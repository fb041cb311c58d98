using System.Numerics;
using Avalon.Primitives.Pooling;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// Adaptive max pooling forward (adaptive_max_pool1d/2d/3d with return_indices): the largest input of
/// each bin (NaN winning, as in PyTorch) and its flat index inside the input plane. The backward is
/// <see cref="PoolIndexScatter"/>. Bins that tile the input evenly go through <see cref="MaxPoolTiled"/>.
/// </summary>
internal static unsafe class AdaptiveMaxPool
{
    /// <summary>Writes bin maxima and their int64 plane indices; both buffers are [N, C, oD, oH, oW].</summary>
    public static void Forward<T>(in AdaptivePoolGeometry g, ReadOnlySpan<T> input, Span<T> output, Span<long> indices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.InputLength);
        g.RequireLength("output", output.Length, g.OutputLength);
        g.RequireLength("indices", indices.Length, g.OutputLength);
        if (Tiling(g) is { } tiled)
        {
            MaxPool.Forward(tiled, input, output, indices);
            return;
        }
        fixed (T* pIn = input, pOut = output)
        fixed (long* pIdx = indices)
        {
            var job = Job<T>.Rent().Set(g, pIn, pOut, pIdx);
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

    /// <summary>
    /// When every size divides evenly the bins are windows of in / out elements that tile the input, so
    /// the vectorised <see cref="MaxPoolTiled"/> computes the same maxima and indices; otherwise null.
    /// </summary>
    private static PoolGeometry? Tiling(in AdaptivePoolGeometry g)
    {
        if (g.Planes == 0 || g.OutputPlane == 0 || g.InputDepth != g.OutputDepth || g.InputHeight % g.OutputHeight != 0 || g.InputWidth % g.OutputWidth != 0)
            return null;
        Span<int> input = [g.InputDepth, g.InputHeight, g.InputWidth];
        Span<int> kernel = [1, g.InputHeight / g.OutputHeight, g.InputWidth / g.OutputWidth];
        int rank = g.SpatialRank;
        Span<int> zeros = [0, 0, 0], ones = [1, 1, 1];
        var tiled = PoolGeometry.CreateMax(g.Batch, g.Channels, input[(3 - rank)..], kernel[(3 - rank)..], [],
            zeros[..rank], ones[..rank], ceilMode: false);
        return MaxPoolTiled.Applies(tiled) ? tiled : null;
    }

    private sealed class Job<T> : ReusableJob<Job<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
        public readonly Action<int, int> Body;

        private AdaptivePoolGeometry _g;
        private T* _input, _output;
        private long* _indices;

        public Job() => Body = Execute;

        public Job<T> Set(in AdaptivePoolGeometry g, T* input, T* output, long* indices)
        {
            _g = g;
            _input = input;
            _output = output;
            _indices = indices;
            return this;
        }

        private void Execute(int first, int end)
        {
            AdaptivePoolGeometry g = _g;
            T* input = _input, output = _output;
            long* indices = _indices;
            int inD = g.InputDepth, inH = g.InputHeight, inW = g.InputWidth;
            int outD = g.OutputDepth, outH = g.OutputHeight, outW = g.OutputWidth;
            for (int plane = first; plane < end; plane++)
            {
                T* x = input + (long)plane * g.InputPlane;
                T* y = output + (long)plane * g.OutputPlane;
                long* ind = indices + (long)plane * g.OutputPlane;
                for (int od = 0; od < outD; od++)
                {
                    int d0 = AdaptivePoolGeometry.Start(od, inD, outD), d1 = AdaptivePoolGeometry.End(od, inD, outD);
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int h0 = AdaptivePoolGeometry.Start(oh, inH, outH), h1 = AdaptivePoolGeometry.End(oh, inH, outH);
                        for (int ow = 0; ow < outW; ow++, y++, ind++)
                        {
                            int w0 = AdaptivePoolGeometry.Start(ow, inW, outW), w1 = AdaptivePoolGeometry.End(ow, inW, outW);
                            *y = PoolWindow.Max(x, inH, inW, d0, d1, 1, h0, h1, 1, w0, w1, 1, out *ind);
                        }
                    }
                }
            }
        }
    }
}
