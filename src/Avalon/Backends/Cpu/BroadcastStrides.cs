namespace Avalon.Backends.Cpu;

/// <summary>
/// Broadcast strides written into caller-provided storage (a stackalloc'd span on hot paths), the
/// allocation-free form of <see cref="ShapeUtil.BroadcastStrides"/>.
/// </summary>
internal static class BroadcastStrides
{
    /// <summary>Ranks up to this use stack scratch in the kernels; higher ranks allocate.</summary>
    public const int StackRank = 16;

    /// <summary>
    /// Writes into <paramref name="result"/> (length <paramref name="target"/>.Length) the strides that
    /// read <paramref name="tensor"/> as if it had the broadcast shape <paramref name="target"/>
    /// (stride 0 on broadcast dims), and returns it.
    /// </summary>
    public static Span<int> Into(Tensor tensor, ReadOnlySpan<int> target, Span<int> result)
    {
        ReadOnlySpan<int> shape = tensor.Shape.Dims, strides = tensor.StridesInternal;
        result = result[..target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < target.Length; i++)
        {
            int j = i - lead;
            result[i] = j < 0 || shape[j] == 1 && target[i] != 1 ? 0 : strides[j];
        }
        return result;
    }
}
