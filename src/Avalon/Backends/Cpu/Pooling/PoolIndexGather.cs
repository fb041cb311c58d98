using System.Numerics;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// The adjoint of <see cref="PoolIndexScatter"/>: output[plane, i] = input[plane, indices[plane, i]], the
/// values a max pooling picked. It is the derivative of the max-pool backward with respect to its
/// gradient, and the values of a max pooling whose indices are already known.
/// </summary>
internal static unsafe class PoolIndexGather
{
    /// <summary>Gathers [planes, outPlane] values from [planes, inPlane] input by plane indices. Overwrites output.</summary>
    public static void Run<T>(string op, int planes, int inPlane, int outPlane, ReadOnlySpan<T> input,
        ReadOnlySpan<long> indices, Span<T> output) where T : unmanaged
    {
        if (input.Length != (long)planes * inPlane || indices.Length != (long)planes * outPlane || output.Length != indices.Length)
            throw OpErrors.Argument(
                op, $"expected input of {(long)planes * inPlane} elements and indices/output of {(long)planes * outPlane}, " +
                $"got {input.Length}, {indices.Length} and {output.Length}.");
        fixed (T* pIn = input, pOut = output)
        fixed (long* pIdx = indices)
        {
            var job = PoolIndexLoop<T, GatherStep<T>>.Rent().Set(inPlane, outPlane, pIn, pIdx, pOut);
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
                throw OpErrors.OutOfRange(op, "indices", indices[(int)bad],
                    $"index {indices[(int)bad]} at flat position {bad} is outside its " +
                    $"input plane of {inPlane} elements (valid range [0, {inPlane})); indices must come from a max pooling of this input's shape.");
        }
    }

    private readonly struct GatherStep<T> : IPoolIndexStep<T> where T : unmanaged
    {
        public static void Apply(T* inputPlane, T* pooledPlane, long index, int i) => pooledPlane[i] = inputPlane[index];
    }
}
