using System.Buffers;
using System.Numerics;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Gradient of a convolution with respect to its input: columns = weightᵀ × gradOutput, then col2vol,
/// one task per (sample, group). The same linear map is the forward of a transposed convolution.
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
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("weight", weight.Length, g.WeightLength);
        g.RequireLength("grad_input", gradInput.Length, g.InputLength);
        if (g.Batch == 0) return;

        fixed (T* pGy = gradOutput, pW = weight, pGx = gradInput)
        {
            var job = new Job<T>(g, pGy, pW, pGx);
            CpuParallel.For(g.Batch * g.Groups, job.Execute);
        }
    }

    private sealed class Job<T>(ConvGeometry g, T* gradOutput, T* weight, T* gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Execute(int item)
        {
            int n = item / g.Groups, grp = item % g.Groups;
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane;
            T* gx = gradInput + ((long)n * g.InChannels + (long)grp * cinG) * inPlane;
            T* gy = gradOutput + ((long)n * g.OutChannels + (long)grp * coutG) * outPlane;
            T* w = weight + (long)grp * coutG * rows;
            if (g.IsPointwise)
            {
                GemmDispatch.Multiply(true, false, rows, outPlane, coutG, w, rows, gy, outPlane, false, gx, inPlane);
                return;
            }
            T[] scratch = ArrayPool<T>.Shared.Rent(checked(rows * outPlane));
            try
            {
                fixed (T* columns = scratch)
                {
                    GemmDispatch.Multiply(true, false, rows, outPlane, coutG, w, rows, gy, outPlane, false, columns, outPlane);
                    VolumeColumns.FromColumns(g, columns, gx);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        }
    }
}
