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
internal sealed unsafe class PoolIndexLoop<T, TStep> : ReusableJob<PoolIndexLoop<T, TStep>>
    where T : unmanaged
    where TStep : struct, IPoolIndexStep<T>
{
    /// <summary>The cached delegate over <see cref="Execute"/>.</summary>
    public readonly Action<int, int> Body;

    /// <summary>Flat position of an out-of-range index found by any range, or -1.</summary>
    public long BadPosition = -1;

    private int _inPlane, _outPlane;
    private T* _input, _pooled;
    private long* _indices;

    public PoolIndexLoop() => Body = Execute;

    /// <summary>Sets up a call over [planes, outPlane] indices into [planes, inPlane] input planes.</summary>
    public PoolIndexLoop<T, TStep> Set(int inPlane, int outPlane, T* input, long* indices, T* pooled)
    {
        _inPlane = inPlane;
        _outPlane = outPlane;
        _input = input;
        _indices = indices;
        _pooled = pooled;
        BadPosition = -1;
        return this;
    }

    /// <summary>Runs planes [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private void Execute(int first, int end)
    {
        int inPlane = _inPlane, outPlane = _outPlane;
        T* input = _input, pooled = _pooled;
        long* indices = _indices;
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
