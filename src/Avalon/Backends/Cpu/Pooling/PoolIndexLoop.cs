namespace Avalon.Backends.Cpu.Pooling;

/// <summary>What <see cref="PoolIndexLoop{T, TStep}"/> does at one index: a gather or a scatter-add.</summary>
internal unsafe interface IPoolIndexStep<T> where T : unmanaged
{
    /// <summary>
    /// Moves a value between position <paramref name="i"/> of a pooled plane and position
    /// <paramref name="index"/> (already range-checked) of its input plane.
    /// </summary>
    static abstract void Apply(T* inputPlane, T* pooledPlane, long index, int i);
}

/// <summary>
/// The loop shared by <see cref="PoolIndexGather"/> and <see cref="PoolIndexScatter"/>: walks
/// [planes, outPlane] indices, each naming a position within its [inPlane] input plane, and applies
/// <typeparamref name="TStep"/> there. A range runs until it meets an index outside its plane, which it
/// records in <see cref="BadPosition"/> for the caller to report.
/// </summary>
internal sealed unsafe class PoolIndexLoop<T, TStep>(int inPlane, int outPlane, T* input, long* indices, T* pooled)
    where T : unmanaged
    where TStep : struct, IPoolIndexStep<T>
{
    /// <summary>Flat position of an out-of-range index found by any range, or -1.</summary>
    public long BadPosition = -1;

    /// <summary>Runs planes [<paramref name="first"/>, <paramref name="end"/>).</summary>
    public void Execute(int first, int end)
    {
        for (int plane = first; plane < end; plane++)
        {
            T* x = input + (long)plane * inPlane;
            long* ind = indices + (long)plane * outPlane;
            T* y = pooled + (long)plane * outPlane;
            for (int i = 0; i < outPlane; i++)
            {
                long index = ind[i];
                if ((ulong)index >= (ulong)inPlane)
                {
                    BadPosition = (long)plane * outPlane + i;
                    return;
                }
                TStep.Apply(x, y, index, i);
            }
        }
    }
}
