using System.Numerics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Gradient of a convolution with respect to its input. Stride-1 undilated layers are the forward of their
/// adjoint convolution, on the direct kernel (<see cref="DirectInputGradient"/>); the rest are
/// columns = weightᵀ × gradOutput, then col2vol.
/// Samples are taken in chunks (see <see cref="ColumnChunk"/>): the chunk's output gradients, side by
/// side, meet the weight in one GEMM, then each sample's columns are folded back into its input
/// gradient. One task per (chunk, group). The same linear map is the forward of a transposed convolution.
/// The chunk size follows the thread count, but the results do not: each column entry is one GEMM sum over
/// the output channels, whatever the chunk's width, and col2vol folds each sample on its own.
/// </summary>
internal static unsafe class ConvolutionBackwardInput
{
    /// <summary>
    /// gradInput[N, Cin, D, H, W] = convᵀ(gradOutput[N, Cout, oD, oH, oW], weight[Cout, Cin/groups, kD, kH, kW]).
    /// The gradient buffer is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Batch > 0 && DirectInputGradient.TryAdjoint<T>(g, out ConvGeometry adjoint))
        {
            g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
            g.RequireLength("weight", weight.Length, g.WeightLength);
            g.RequireLength("grad_input", gradInput.Length, g.InputLength);
            DirectInputGradient.Run(g, adjoint, gradOutput, weight, gradInput);
            return;
        }
        Run(g, gradOutput, weight, gradInput, ColumnChunk.Samples<T>(g, (g.Batch + CpuParallel.Threads - 1) / CpuParallel.Threads));
    }

    /// <summary>
    /// The GEMM + col2vol path with at most <paramref name="samplesPerChunk"/> samples per GEMM, whatever the
    /// geometry (tests set it to reach every chunk split, and compare it with the direct path).
    /// </summary>
    internal static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput,
        int samplesPerChunk) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("weight", weight.Length, g.WeightLength);
        g.RequireLength("grad_input", gradInput.Length, g.InputLength);
        if (g.Batch == 0) return;

        // A pointwise convolution needs no col2vol, so each sample's GEMM writes its gradient in place.
        int chunk = g.IsPointwise ? 1 : Math.Max(1, samplesPerChunk);
        int chunks = (g.Batch + chunk - 1) / chunk;
        fixed (T* pGy = gradOutput, pW = weight, pGx = gradInput)
        {
            int items = chunks * g.Groups;
            var job = Job<T>.Rent();
            job.Set(g, pGy, pW, pGx, chunk, serial: items >= CpuParallel.Threads);
            try
            {
                CpuParallel.For(items, job.Body);
            }
            finally
            {
                job.Return();
            }
        }
    }

    /// <summary>
    /// One (chunk, group) slice. One instance per calling thread is reused (its delegate with it), so a
    /// call allocates nothing; its scratch is the executing thread's <see cref="ConvolutionWorkspace"/>.
    /// </summary>
    private sealed class Job<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static Job<T>? t_free;

        /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
        public readonly Action<int> Body;

        private ConvGeometry _g;
        private T* _gradOutput, _weight, _gradInput;
        private int _chunk;
        private bool _serial;

        private Job() => Body = Execute;

        /// <summary>The calling thread's idle instance (a new one if it is in use further up the stack).</summary>
        public static Job<T> Rent()
        {
            Job<T> job = t_free ?? new Job<T>();
            t_free = null;
            return job;
        }

        public void Set(in ConvGeometry g, T* gradOutput, T* weight, T* gradInput, int chunk, bool serial)
        {
            _g = g;
            _gradOutput = gradOutput;
            _weight = weight;
            _gradInput = gradInput;
            _chunk = chunk;
            _serial = serial;
        }

        /// <summary>Hands the instance back to the calling thread.</summary>
        public void Return()
        {
            _gradOutput = _weight = _gradInput = null;
            t_free = this;
        }

        private void Execute(int item)
        {
            ref readonly ConvGeometry g = ref _g;
            int chunk = _chunk;
            bool serial = _serial;
            int grp = item % g.Groups, first = item / g.Groups * chunk, count = Math.Min(chunk, g.Batch - first);
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane;
            long inSample = (long)g.InChannels * inPlane, outSample = (long)g.OutChannels * outPlane;
            T* gx = _gradInput + first * inSample + (long)grp * cinG * inPlane;
            T* gy = _gradOutput + first * outSample + (long)grp * coutG * outPlane;
            T* w = _weight + (long)grp * coutG * rows;
            if (g.IsPointwise)
            {
                GemmDispatch.Multiply(true, false, rows, outPlane, coutG, w, rows, gy, outPlane, false, gx, inPlane, serial);
                return;
            }

            int width = count * outPlane;
            ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
            T* columns = ws.Get<T>(ConvolutionScratch.Columns, (long)rows * width);
            T* b = gy;
            if (count > 1)
            {
                b = ws.Get<T>(ConvolutionScratch.Gathered, (long)coutG * width);
                ColumnChunk.Gather(gy, outSample, count, coutG, outPlane, b);
            }
            GemmDispatch.Multiply(true, false, rows, width, coutG, w, rows, b, width, false, columns, width, serial);
            for (int s = 0; s < count; s++)
                VolumeColumns.FromColumns(g, columns + (nint)s * outPlane, width, gx + s * inSample);
        }
    }
}
