using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Gradient of a convolution with respect to its weight: gradWeight_g = Σₙ gradOutput[n, g] × columns(input[n, g])ᵀ.
/// The batch is split into chunks that accumulate into private partial gradients in parallel (one task
/// per chunk and group); the partials are summed at the end.
/// </summary>
internal static unsafe class ConvolutionBackwardWeight
{
    /// <summary>Upper bound, in elements, on the partial weight gradients kept for the parallel batch split.</summary>
    private const long PartialBudget = 1 << 24;

    /// <summary>
    /// gradWeight[Cout, Cin/groups, kD, kH, kW] from input[N, Cin, D, H, W] and gradOutput[N, Cout, oD, oH, oW].
    /// The gradient buffer is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.InputLength);
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("grad_weight", gradWeight.Length, g.WeightLength);
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            return;
        }

        long weightLength = g.WeightLength;
        int chunks = (int)Math.Min(Math.Min(g.Batch, CpuParallel.Threads), 1 + PartialBudget / weightLength);
        T[]? partials = chunks > 1 ? ArrayPool<T>.Shared.Rent(checked((int)((chunks - 1) * weightLength))) : null;
        try
        {
            fixed (T* pIn = input, pGy = gradOutput, pGw = gradWeight, pPart = partials)
            {
                var job = new Job<T>(g, pIn, pGy, pGw, pPart, chunks);
                CpuParallel.For(chunks * g.Groups, job.Execute);
            }
            for (int p = 1; p < chunks; p++)
                TensorPrimitives.Add(gradWeight, partials.AsSpan((int)((p - 1) * weightLength), (int)weightLength), gradWeight);
        }
        finally
        {
            if (partials != null) ArrayPool<T>.Shared.Return(partials);
        }
    }

    private sealed class Job<T>(ConvGeometry g, T* input, T* gradOutput, T* gradWeight, T* partials, int chunks)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Execute(int item)
        {
            int chunk = item / g.Groups, grp = item % g.Groups;
            int first = (int)((long)chunk * g.Batch / chunks), end = (int)((long)(chunk + 1) * g.Batch / chunks);
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane;
            T* gw = (chunk == 0 ? gradWeight : partials + (chunk - 1) * g.WeightLength) + (long)grp * coutG * rows;
            T[]? scratch = g.IsPointwise ? null : ArrayPool<T>.Shared.Rent(checked(rows * outPlane));
            try
            {
                fixed (T* columnsBuffer = scratch)
                {
                    for (int n = first; n < end; n++)
                    {
                        T* x = input + ((long)n * g.InChannels + (long)grp * cinG) * inPlane;
                        T* gy = gradOutput + ((long)n * g.OutChannels + (long)grp * coutG) * outPlane;
                        T* columns = x;
                        if (!g.IsPointwise)
                        {
                            columns = columnsBuffer;
                            VolumeColumns.ToColumns(g, x, columns);
                        }
                        GemmDispatch.Multiply(false, true, coutG, rows, outPlane, gy, outPlane, columns, outPlane,
                            n != first, gw, rows);
                    }
                }
            }
            finally
            {
                if (scratch != null) ArrayPool<T>.Shared.Return(scratch);
            }
        }
    }
}
