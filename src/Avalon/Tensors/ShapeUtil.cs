namespace Avalon;

/// <summary>Shape arithmetic shared by every operation: dims, strides and broadcasting.</summary>
internal static class ShapeUtil
{
    /// <summary>
    /// <see cref="NormalizeDim"/> for an operation that reads the size of the dim (select, narrow, size):
    /// a 0-d tensor has no dim to read, so any dim is out of range there (PyTorch's "dimension specified
    /// as 0 but tensor has no dimensions").
    /// </summary>
    public static int NormalizeSizedDim(int dim, int rank, string op)
    {
        if (rank == 0)
            throw OpErrors.OutOfRange(op, nameof(dim), $"dimension specified as {dim} but tensor has no dimensions.");
        return NormalizeDim(dim, rank, op);
    }

    /// <summary>Maps a possibly negative dim into [0, rank); throws naming the operation otherwise.</summary>
    public static int NormalizeDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw OpErrors.OutOfRange(op, nameof(dim),
                $"dimension out of range (expected to be in range of [{-r}, {r - 1}], but got {dim}) for a tensor of rank {rank}.");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>Normalises a list of dims and checks that none repeats.</summary>
    public static int[] NormalizeDims(ReadOnlySpan<int> dims, int rank, string op)
    {
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            result[i] = NormalizeDim(dims[i], rank, op);
            for (int j = 0; j < i; j++)
                if (result[j] == result[i])
                    throw OpErrors.Argument(op, $"dim {result[i]} appears multiple times in the list of dims [{string.Join(", ", dims.ToArray())}].");
        }
        return result;
    }

    /// <summary>Row-major strides of a contiguous tensor of the given shape.</summary>
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>True when the strides describe a dense row-major layout (size-1 dims may have any stride).</summary>
    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 0) return true;
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>Product of the sizes.</summary>
    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > int.MaxValue)
            throw new ArgumentException($"A tensor of shape {Format(shape)} has {n} elements, more than the supported {int.MaxValue}.");
        return (int)n;
    }

    /// <summary>Formats sizes like <c>[2, 3]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>NumPy broadcasting of two shapes; throws naming the operation when they do not broadcast.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da == db || db == 1) result[i] = da;
            else if (da == 1) result[i] = db;
            else
                throw OpErrors.Argument(
                    op, $"shapes {Format(a)} and {Format(b)} cannot be broadcast together: the size of dimension {i - rank} is {da} in the first and {db} in the second (sizes must match or one must be 1).");
        }
        return result;
    }

    /// <summary>Broadcasts any number of shapes.</summary>
    public static int[] Broadcast(string op, params int[][] shapes)
    {
        int[] result = shapes.Length == 0 ? [] : shapes[0];
        for (int i = 1; i < shapes.Length; i++) result = Broadcast(result, shapes[i], op);
        return result;
    }

    /// <summary>
    /// Strides that read a tensor of shape <paramref name="shape"/>/<paramref name="strides"/> as if it had
    /// the broadcast shape <paramref name="target"/> (stride 0 on broadcast dims).
    /// </summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ReadOnlySpan<int> target)
    {
        var result = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < target.Length; i++)
        {
            int j = i - lead;
            result[i] = j < 0 || shape[j] == 1 && target[i] != 1 ? 0 : strides[j];
        }
        return result;
    }

    /// <summary>Whether <paramref name="shape"/> can be broadcast to <paramref name="target"/>.</summary>
    public static bool CanBroadcastTo(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        if (shape.Length > target.Length) return false;
        int lead = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] != 1 && shape[i] != target[i + lead]) return false;
        return true;
    }
}
