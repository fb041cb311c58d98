using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Gradient of a convolution with respect to its weight: gradWeight_g = Σₙ gradOutput[n, g] × columns(input[n, g])ᵀ,
/// computed without the columns for stride-1 undilated layers (<see cref="DirectWeightGradient"/>; Winograd's
/// F(3×3, 4×4) for the 3×3 layers <see cref="WinogradWeightGradient"/> takes).
/// The batch is cut into chunks of consecutive samples (see <see cref="ColumnChunk"/>) whose boundaries
/// depend only on the geometry, never on the thread count. Each chunk's columns and output gradients,
/// side by side, make one GEMM whose inner dimension runs over all of the chunk's output positions; that
/// GEMM writes the chunk's partial gradient, on whichever thread takes it (one task per chunk and group).
/// The partials are then added in chunk order, so every element of the gradient is the same sum, in the
/// same order, with 1 thread or 16: a model trained from a seed is bitwise the same on every machine.
/// </summary>
internal static unsafe class ConvolutionBackwardWeight
{
    /// <summary>Upper bound, in elements, on the partial gradients held at once; more chunks are taken in waves.</summary>
    private const long PartialBudget = 1 << 24;

    /// <summary>
    /// The batch is cut into at least this many chunks when it has the samples: enough tasks for the
    /// threads of a typical machine even where the cache budget would allow fewer, wider chunks. A
    /// constant, not the thread count, so that the chunks (and so the sums) are the same everywhere.
    /// </summary>
    private const int MinChunks = 8;

    /// <summary>
    /// gradWeight[Cout, Cin/groups, kD, kH, kW] from input[N, Cin, D, H, W] and gradOutput[N, Cout, oD, oH, oW].
    /// The gradient buffer is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(g, input, gradOutput, gradWeight, samplesPerChunk: 0, allowDirect: true);

    /// <summary>
    /// As <see cref="Run{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> with at most
    /// <paramref name="samplesPerChunk"/> samples per chunk, or the cache-sized default when it is 0 (tests
    /// set it to reach every chunk split). Chunks are as equal as the batch allows: sizes differ by at most one.
    /// <paramref name="allowDirect"/> false forces vol2col + GEMM where the direct kernel would apply.
    /// </summary>
    internal static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradWeight,
        int samplesPerChunk, bool allowDirect = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.InputLength);
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("grad_weight", gradWeight.Length, g.WeightLength);
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            return;
        }

        int maxSamples = (g.Batch + MinChunks - 1) / MinChunks;
        // Winograd keeps a block of tiles, not the chunk, in cache: its chunks are just the batch cut for the threads.
        bool winograd = allowDirect && WinogradWeightGradient.Applies<T>(g);
        int directChunk = samplesPerChunk > 0 ? samplesPerChunk : DirectWeightGradient.ChunkSamples<T>(g, maxSamples);
        var direct = allowDirect && !winograd ? DirectWeightGradient.Choose<T>(g, directChunk) : DirectWeightGradient.Kernel.None;
        int maxChunk = winograd ? (samplesPerChunk > 0 ? samplesPerChunk : maxSamples)
            : direct != DirectWeightGradient.Kernel.None ? directChunk
            : samplesPerChunk > 0 ? samplesPerChunk : ColumnChunk.Samples<T>(g, maxSamples);
        int chunks = (g.Batch + maxChunk - 1) / maxChunk;
        long weightLength = g.WeightLength;
        // Chunks computed together; the first chunk of all writes the gradient itself.
        int wave = (int)Math.Clamp(PartialBudget / weightLength, 1, chunks);
        T* partials = chunks > 1 ? ConvolutionWorkspace.Current.Get<T>(ConvolutionScratch.Partials, wave * weightLength) : null;
        fixed (T* pIn = input, pGy = gradOutput, pGw = gradWeight)
        {
            var job = Job<T>.Rent();
            try
            {
                for (int start = 0; start < chunks; start += wave)
                {
                    int count = Math.Min(wave, chunks - start), items = count * g.Groups;
                    job.Set(g, pIn, pGy, pGw, partials, chunks, start, serial: items >= CpuParallel.Threads, direct, winograd);
                    CpuParallel.For(items, job.Body);
                    // In chunk order, whatever order the chunks were computed in.
                    for (int c = Math.Max(start, 1); c < start + count; c++)
                        TensorPrimitives.Add(gradWeight, new ReadOnlySpan<T>(partials + (c - start) * weightLength, (int)weightLength), gradWeight);
                }
            }
            finally
            {
                job.Return();
            }
        }
    }

    /// <summary>The first sample of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over <paramref name="batch"/> samples.</summary>
    private static int ChunkStart(int chunk, int chunks, int batch) => (int)((long)chunk * batch / chunks);

    /// <summary>
    /// One (chunk, group) partial gradient of the wave that starts at chunk firstChunk: chunk 0 writes the
    /// gradient, chunk c of the wave its slot c − firstChunk of the partials. One instance per calling thread
    /// is reused (its delegate with it), so a call allocates nothing; its scratch is the executing thread's
    /// <see cref="ConvolutionWorkspace"/>.
    /// </summary>
    private sealed class Job<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static Job<T>? t_free;

        /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
        public readonly Action<int> Body;

        private ConvGeometry _g;
        private T* _input, _gradOutput, _gradWeight, _partials;
        private int _chunks, _firstChunk;
        private bool _serial;
        private DirectWeightGradient.Kernel _direct;
        private bool _winograd;

        private Job() => Body = Execute;

        /// <summary>The calling thread's idle instance (a new one if it is in use further up the stack).</summary>
        public static Job<T> Rent()
        {
            Job<T> job = t_free ?? new Job<T>();
            t_free = null;
            return job;
        }

        public void Set(in ConvGeometry g, T* input, T* gradOutput, T* gradWeight, T* partials, int chunks, int firstChunk, bool serial,
            DirectWeightGradient.Kernel direct, bool winograd)
        {
            _direct = direct;
            _winograd = winograd;
            _g = g;
            _input = input;
            _gradOutput = gradOutput;
            _gradWeight = gradWeight;
            _partials = partials;
            _chunks = chunks;
            _firstChunk = firstChunk;
            _serial = serial;
        }

        /// <summary>Hands the instance back to the calling thread.</summary>
        public void Return()
        {
            _input = _gradOutput = _gradWeight = _partials = null;
            t_free = this;
        }

        private void Execute(int item)
        {
            ref readonly ConvGeometry g = ref _g;
            int chunk = _firstChunk + item / g.Groups, grp = item % g.Groups;
            int first = ChunkStart(chunk, _chunks, g.Batch), count = ChunkStart(chunk + 1, _chunks, g.Batch) - first;
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane, width = count * outPlane;
            long inSample = (long)g.InChannels * inPlane, outSample = (long)g.OutChannels * outPlane;
            T* gw = (chunk == 0 ? _gradWeight : _partials + (chunk - _firstChunk) * g.WeightLength) + (long)grp * coutG * rows;
            T* x = _input + first * inSample + (long)grp * cinG * inPlane;
            T* gy = _gradOutput + first * outSample + (long)grp * coutG * outPlane;
            if (_winograd)
            {
                WinogradWeightGradient.Run(g, x, inSample, gy, outSample, count, gw);
                return;
            }
            if (_direct != DirectWeightGradient.Kernel.None)
            {
                DirectWeightGradient.Run(_direct, g, x, inSample, gy, outSample, count, gw);
                return;
            }

            // One sample of a pointwise convolution is its own column matrix, and one sample's output
            // gradient is already a [coutG, positions] matrix; otherwise both are gathered.
            ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
            T* columns = x;
            if (g.IsPointwise && count > 1)
            {
                columns = ws.Get<T>(ConvolutionScratch.Columns, (long)rows * width);
                ColumnChunk.Gather(x, inSample, count, cinG, inPlane, columns);
            }
            else if (!g.IsPointwise)
            {
                columns = ws.Get<T>(ConvolutionScratch.Columns, (long)rows * width);
                for (int s = 0; s < count; s++)
                    VolumeColumns.ToColumns(g, x + s * inSample, columns + (nint)s * outPlane, width);
            }
            T* a = gy;
            if (count > 1)
            {
                a = ws.Get<T>(ConvolutionScratch.Gathered, (long)coutG * width);
                ColumnChunk.Gather(gy, outSample, count, coutG, outPlane, a);
            }
            GemmDispatch.Multiply(false, true, coutG, rows, width, a, width, columns, width, false, gw, rows, _serial);
        }
    }
}
