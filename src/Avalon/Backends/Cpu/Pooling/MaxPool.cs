using System.Numerics;
using Avalon.Primitives.Pooling;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// Max pooling forward (max_pool1d/2d/3d with return_indices). Each output is the largest input in its
/// dilated window, NaN winning as in PyTorch, and its index is the flat position d·H·W + h·W + w inside
/// the input plane. Windows that tile the input take the vectorised <see cref="MaxPoolTiled"/>.
/// The backward is <see cref="PoolIndexScatter"/>.
/// </summary>
internal static unsafe class MaxPool
{
    /// <summary>
    /// Writes the pooled values and their int64 plane indices; both buffers are [N, C, oD, oH, oW]. Either
    /// buffer may be empty (not both) when the caller needs only the other: max_pool keeps the values alone
    /// (max_pool_with_indices both), so it does not fill a buffer it would throw away.
    /// </summary>
    public static void Forward<T>(in PoolGeometry g, ReadOnlySpan<T> input, Span<T> output, Span<long> indices)
        where T : unmanaged, IFloatingPointIeee754<T> => Forward(g, input, output, indices, allowFastPath: true);

    /// <summary>
    /// <see cref="Forward{T}(in PoolGeometry, ReadOnlySpan{T}, Span{T}, Span{long})"/>, where
    /// <paramref name="allowFastPath"/> false forces the general window loop (the reference the
    /// vectorised <see cref="MaxPoolTiled"/> is tested against).
    /// </summary>
    internal static void Forward<T>(in PoolGeometry g, ReadOnlySpan<T> input, Span<T> output, Span<long> indices, bool allowFastPath)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.InputLength);
        if (output.IsEmpty && indices.IsEmpty && g.OutputLength != 0)
            throw OpErrors.Argument("max_pool", "expected an output buffer, an indices buffer or both, got neither.");
        if (!output.IsEmpty) g.RequireLength("output", output.Length, g.OutputLength);
        if (!indices.IsEmpty) g.RequireLength("indices", indices.Length, g.OutputLength);
        fixed (T* pIn = input, pOut = output)
        fixed (long* pIdx = indices)
        {
            var job = Job<T>.Rent().Set(g, pIn, pOut, pIdx, allowFastPath && MaxPoolTiled.Applies(g));
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

    /// <summary>One call's planes; reused per thread (see <see cref="ReusableJob{TSelf}"/>).</summary>
    private sealed class Job<T> : ReusableJob<Job<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
        public readonly Action<int, int> Body;

        private PoolGeometry _g;
        private T* _input, _output;
        private long* _indices;
        private bool _pairs;

        public Job() => Body = Execute;

        public Job<T> Set(in PoolGeometry g, T* input, T* output, long* indices, bool pairs)
        {
            _g = g;
            _input = input;
            _output = output;
            _indices = indices;
            _pairs = pairs;
            return this;
        }

        private void Execute(int first, int end)
        {
            PoolGeometry g = _g;
            T* input = _input, output = _output;
            long* indices = _indices;
            bool pairs = _pairs;
            if (pairs)
            {
                MaxPoolTiled.Run(g, input, output, indices, first, end);
                return;
            }
            int inH = g.InputHeight, inW = g.InputWidth;
            int dD = g.DilationDepth, dH = g.DilationHeight, dW = g.DilationWidth;
            bool values = output != null, positions = indices != null;
            for (int plane = first; plane < end; plane++)
            {
                T* x = input + (long)plane * g.InputPlane;
                long o = (long)plane * g.OutputPlane;
                for (int od = 0; od < g.OutputDepth; od++)
                {
                    Window(od, g.StrideDepth, g.PadDepth, g.KernelDepth, dD, g.InputDepth, out int d0, out int d1);
                    for (int oh = 0; oh < g.OutputHeight; oh++)
                    {
                        Window(oh, g.StrideHeight, g.PadHeight, g.KernelHeight, dH, inH, out int h0, out int h1);
                        for (int ow = 0; ow < g.OutputWidth; ow++, o++)
                        {
                            Window(ow, g.StrideWidth, g.PadWidth, g.KernelWidth, dW, inW, out int w0, out int w1);
                            T max = PoolWindow.Max(x, inH, inW, d0, d1, dD, h0, h1, dH, w0, w1, dW, out long position);
                            if (values) output[o] = max;
                            if (positions) indices[o] = position;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The input positions [start, end) stepped by dilation covered by output cell <paramref name="o"/>,
    /// start moved forward by whole dilation steps until it is inside the input (PyTorch's rule).
    /// </summary>
    private static void Window(int o, int stride, int pad, int kernel, int dilation, int size, out int start, out int end)
    {
        start = o * stride - pad;
        end = Math.Min(start + (kernel - 1) * dilation + 1, size);
        if (start < 0) start += (-start + dilation - 1) / dilation * dilation;
    }
}
