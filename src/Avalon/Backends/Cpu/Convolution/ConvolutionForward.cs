using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Convolution forward (PyTorch's conv1d/2d/3d, cross-correlation), one task per (sample, group), by one
/// of four paths chosen from the shape alone: a 1×1 stride-1 unpadded convolution multiplies the input
/// directly; a 3×3 stride-1 layer with eight channels or more, over two (sample, group) slices or more, takes
/// Winograd's F(4×4, 3×3) (see <see cref="WinogradConvolution"/>); a layer with few taps and stride 1 (see
/// <see cref="DirectConvolution"/>) is computed directly; everything else is vol2col + GEMM.
/// </summary>
/// <remarks>
/// Unlike the backward kernels, the forward keeps one GEMM per sample: that GEMM writes the sample's
/// [Cout, positions] output in place, whereas a GEMM over a chunk of samples yields [Cout, chunk·positions],
/// which must then be copied apart into the NCHW output. Measured on LeNet-sized layers, the copy cost
/// as much as the wider GEMM saved (a few percent faster with 500-row columns, 14 % slower with 25).
/// The weights, the GEMM's A operand, are a few kilobytes and repacking them per sample is a small share.
/// </remarks>
internal static unsafe class ConvolutionForward
{
    /// <summary>
    /// output[N, Cout, oD, oH, oW] = conv(input[N, Cin, D, H, W], weight[Cout, Cin/groups, kD, kH, kW]) + bias.
    /// <paramref name="bias"/> is empty for no bias, otherwise it has Cout elements. The output is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
        => Run(g, input, weight, bias, output, allowDirect: true);

    /// <summary>
    /// As <see cref="Run{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>;
    /// <paramref name="allowDirect"/> false forces vol2col + GEMM where the direct kernel would apply (tests
    /// and benchmarks compare the two).
    /// </summary>
    internal static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> output, bool allowDirect) where T : unmanaged, IFloatingPointIeee754<T>
        => Run(g, input, weight, bias, output, allowDirect, epilogue: null);

    /// <summary>
    /// As <see cref="Run{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/>, then
    /// <paramref name="epilogue"/>(start, end) over each (sample, group) slice's flat output range as soon as that
    /// slice is written, on the thread that wrote it, while it is still in cache (a compiled conv's fused
    /// bias and activation). The slices are disjoint, so the calls may run concurrently.
    /// </summary>
    internal static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> output, bool allowDirect, Action<int, int>? epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("output", output.Length, g.OutputLength);
        fixed (T* pOut = output) Run(g, input, weight, bias, pOut, allowDirect, epilogue, sink: null);
    }

    /// <summary>
    /// The convolution without its output tensor: each (sample, group) slice, or block of its output channels, is
    /// written to <paramref name="sink"/>'s buffer on the thread that computes it and handed to the sink at once,
    /// while it is in cache (a compiled conv whose only reader is a pooling: the full-size product never reaches memory).
    /// </summary>
    internal static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        ConvolutionSliceSink<T> sink) where T : unmanaged, IFloatingPointIeee754<T>
        => Run(g, input, weight, bias, null, allowDirect: true, epilogue: null, sink);

    private static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        T* pOut, bool allowDirect, Action<int, int>? epilogue, ConvolutionSliceSink<T>? sink) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.InputLength);
        g.RequireLength("weight", weight.Length, g.WeightLength);
        if (!bias.IsEmpty) g.RequireLength("bias", bias.Length, g.OutChannels);
        if (g.Batch == 0) return;

        fixed (T* pIn = input, pW = weight, pB = bias)
        {
            int items = g.Batch * g.Groups;
            // Winograd over two slices or more; a single one (one image) is cut across threads by the direct kernel.
            // The choice does not depend on the thread count, so neither do the bits.
            bool winograd = allowDirect && items >= WinogradConvolution.MinSlices && WinogradConvolution.Applies<T>(g);
            T* winogradWeight = winograd ? WinogradConvolution.TransformWeight(g, pW) : null;
            bool direct = !winograd && allowDirect && DirectConvolution.Applies<T>(g) && DirectConvolution.ForwardPays<T>(g);
            T* laneWeight = direct && DirectConvolution.PrefersChannelLanes<T>(g) ? ForwardChannelLanes.TransposeWeight(g, pW) : null;
            // The direct kernels run each (sample, group) on one thread; with fewer of those than threads (a single
            // image), each is cut into blocks of output channels so every thread has work. The GEMM path
            // parallelises inside its product instead.
            int splits = direct && items < CpuParallel.Threads && 2L * g.OutChannelsPerGroup * g.ColumnRows * g.OutputPlane >= MinSplitFlops
                ? ChannelSplits<T>(g, laneWeight != null, (CpuParallel.Threads + items - 1) / items) : 1;
            var job = Job<T>.Rent();
            job.Set(g, pIn, pW, pB, pOut, serial: items >= CpuParallel.Threads, direct, laneWeight, winogradWeight, epilogue, splits, sink);
            try
            {
                CpuParallel.For(items * splits, job.Body);
            }
            finally
            {
                job.Return();
            }
        }
    }

    /// <summary>
    /// Fewest FLOPs in a slice for cutting it across threads: measured on one image, 3×3 16→32 on 14² (1.8
    /// MFLOP) ran in half the time on two threads, 32→32 on 7² (0.9 MFLOP) 1.3× slower (the hand-off costs more).
    /// </summary>
    private const long MinSplitFlops = 1 << 20;

    /// <summary>How many channel ranges to cut a slice into for <paramref name="wanted"/> threads: at most one per block of channels the kernel computes together.</summary>
    private static int ChannelSplits<T>(in ConvGeometry g, bool lanes, int wanted) where T : unmanaged
    {
        int unit = lanes ? ForwardChannelLanes.VectorCount<T>() : DirectConvolution.ChannelSplitUnit;
        int blocks = (g.OutChannelsPerGroup + unit - 1) / unit;
        return Math.Clamp(wanted, 1, Math.Max(1, blocks));
    }

    /// <summary>
    /// One (sample, group) slice; the bias pointer is null when there is none. With serial (as many slices
    /// as threads or more) each GEMM stays on its task's thread. One instance per calling thread is reused
    /// (its delegate with it), so a call allocates nothing.
    /// </summary>
    private sealed class Job<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static Job<T>? t_free;

        /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
        public readonly Action<int> Body;

        private ConvGeometry _g;
        private T* _input, _weight, _bias, _output, _laneWeight, _winogradWeight;
        private bool _serial, _direct;
        private Action<int, int>? _epilogue;
        private ConvolutionSliceSink<T>? _sink;
        private int _splits = 1;

        private Job() => Body = Execute;

        /// <summary>The calling thread's idle instance (a new one if it is in use further up the stack).</summary>
        public static Job<T> Rent()
        {
            Job<T> job = t_free ?? new Job<T>();
            t_free = null;
            return job;
        }

        public void Set(in ConvGeometry g, T* input, T* weight, T* bias, T* output, bool serial, bool direct, T* laneWeight,
            T* winogradWeight, Action<int, int>? epilogue, int splits, ConvolutionSliceSink<T>? sink)
        {
            _winogradWeight = winogradWeight;
            _sink = sink;
            _splits = splits;
            _epilogue = epilogue;
            _laneWeight = laneWeight;
            _g = g;
            _input = input;
            _weight = weight;
            _bias = bias;
            _output = output;
            _serial = serial;
            _direct = direct;
        }

        /// <summary>Hands the instance back to the calling thread.</summary>
        public void Return()
        {
            _input = _weight = _bias = _output = _laneWeight = _winogradWeight = null;
            _epilogue = null;
            _sink = null;
            t_free = this;
        }

        private void Execute(int task)
        {
            int item = task / _splits, split = task % _splits;
            ChannelRange(split, out int coStart, out int coEnd);
            ref readonly ConvGeometry slice = ref _g;
            // The slice's output: its place in the output tensor, or the sink's buffer for this thread (where the
            // channels sit at the same offsets, so a block of them lands where the kernels put it).
            T* y = _sink is { } sink
                ? sink.Buffer(slice.OutChannelsPerGroup * slice.OutputPlane)
                : _output + ((long)(item / slice.Groups) * slice.OutChannels + (long)(item % slice.Groups) * slice.OutChannelsPerGroup) * slice.OutputPlane;
            Compute(item, coStart, coEnd, y);
            if (_sink is { } written && coStart < coEnd) written.Written(item, coStart, coEnd, y);
            if (_epilogue is { } epilogue && coStart < coEnd)
            {
                ref readonly ConvGeometry g = ref _g;
                int n = item / g.Groups, grp = item % g.Groups;
                int start = checked((n * g.OutChannels + grp * g.OutChannelsPerGroup + coStart) * g.OutputPlane);
                epilogue(start, start + (coEnd - coStart) * g.OutputPlane);
            }
        }

        /// <summary>Output channels [coStart, coEnd) of split <paramref name="split"/>: whole blocks of the kernel's channels, as even as they go.</summary>
        private void ChannelRange(int split, out int coStart, out int coEnd)
        {
            int cout = _g.OutChannelsPerGroup;
            if (_splits == 1)
            {
                (coStart, coEnd) = (0, cout);
                return;
            }
            int unit = _laneWeight != null ? ForwardChannelLanes.VectorCount<T>() : DirectConvolution.ChannelSplitUnit;
            int blocks = (cout + unit - 1) / unit;
            coStart = Math.Min(cout, (int)((long)split * blocks / _splits) * unit);
            coEnd = Math.Min(cout, (int)((long)(split + 1) * blocks / _splits) * unit);
        }

        private void Compute(int item, int coStart, int coEnd, T* y)
        {
            ref readonly ConvGeometry g = ref _g;
            int n = item / g.Groups, grp = item % g.Groups;
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane;
            T* x = _input + ((long)n * g.InChannels + (long)grp * cinG) * inPlane;
            T* w = _weight + (long)grp * coutG * rows;
            T* bias = _bias == null ? null : _bias + grp * coutG;
            if (_winogradWeight != null)
            {
                WinogradConvolution.Run(g, x, _winogradWeight + grp * WinogradConvolution.WeightLengthPerGroup<T>(g), bias, y);
                return;
            }
            if (_laneWeight != null)
            {
                int v = ForwardChannelLanes.VectorCount<T>();
                ForwardChannelLanes.Run(g, x, _laneWeight + (long)grp * rows * ForwardChannelLanes.Lanes<T>(g), bias, y, coStart / v, (coEnd + v - 1) / v);
                return;
            }
            if (_direct)
            {
                DirectConvolution.Run(g, x, w, bias, y, coStart, coEnd);
                return;
            }

            if (g.IsPointwise)
                GemmDispatch.Multiply(false, false, coutG, outPlane, rows, w, rows, x, inPlane, false, y, outPlane, _serial);
            else
            {
                T* columns = ConvolutionWorkspace.Current.Get<T>(ConvolutionScratch.Columns, (long)rows * outPlane);
                VolumeColumns.ToColumns(g, x, columns, outPlane);
                GemmDispatch.Multiply(false, false, coutG, outPlane, rows, w, rows, columns, outPlane, false, y, outPlane, _serial);
            }

            if (bias != null)
            {
                // Added while the slice is still in cache rather than in a second pass over the output.
                for (int co = 0; co < coutG; co++)
                {
                    var plane = new Span<T>(y + (long)co * outPlane, outPlane);
                    TensorPrimitives.Add(plane, bias[co], plane);
                }
            }
        }
    }
}
