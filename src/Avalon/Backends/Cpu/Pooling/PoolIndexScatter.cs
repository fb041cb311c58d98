using System.Numerics;
using Avalon.Primitives.Pooling;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// Backward of max pooling and adaptive max pooling: every output gradient is added to the input
/// position its index names within the same (n, c) plane; all other input gradients are zero.
/// </summary>
internal static unsafe class PoolIndexScatter
{
    /// <summary>Backward of <see cref="MaxPool.Forward{T}(in PoolGeometry, ReadOnlySpan{T}, Span{T}, Span{long})"/>. Overwrites gradInput.</summary>
    public static void Backward<T>(in PoolGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<long> indices, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("indices", indices.Length, g.OutputLength);
        g.RequireLength("grad_input", gradInput.Length, g.InputLength);
        Run(g.OperationName, g.Planes, g.InputPlane, g.OutputPlane, gradOutput, indices, gradInput);
    }

    /// <summary>Backward of <see cref="AdaptiveMaxPool.Forward{T}"/>. Overwrites gradInput.</summary>
    public static void Backward<T>(in AdaptivePoolGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<long> indices,
        Span<T> gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("indices", indices.Length, g.OutputLength);
        g.RequireLength("grad_input", gradInput.Length, g.InputLength);
        Run(g.OperationName, g.Planes, g.InputPlane, g.OutputPlane, gradOutput, indices, gradInput);
    }

    /// <summary>
    /// The scatter itself over [planes, outPlane] gradients and indices into [planes, inPlane] input gradients
    /// (used directly when no pooling geometry is at hand). Overwrites gradInput.
    /// </summary>
    internal static void Run<T>(string op, int planes, int inPlane, int outPlane, ReadOnlySpan<T> gradOutput,
        ReadOnlySpan<long> indices, Span<T> gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        gradInput.Clear();
        fixed (T* pGy = gradOutput, pGx = gradInput)
        fixed (long* pIdx = indices)
        {
            var job = PoolIndexLoop<T, ScatterAddStep<T>>.Rent().Set(inPlane, outPlane, pGx, pIdx, pGy);
            long bad;
            try
            {
                PlaneParallel.For(planes, outPlane, job.Body);
                bad = job.BadPosition;
            }
            finally
            {
                job.Return();
            }
            if (bad >= 0)
                throw new ArgumentOutOfRangeException("indices", indices[(int)bad],
                    $"{op} backward: index {indices[(int)bad]} at flat output position {bad} " +
                    $"is outside its input plane of {inPlane} elements (valid range [0, {inPlane})); indices must come from the forward pass.");
        }
    }

    private readonly struct ScatterAddStep<T> : IPoolIndexStep<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Apply(T* inputPlane, T* pooledPlane, long index, int i) => inputPlane[index] += pooledPlane[i];
    }
}
