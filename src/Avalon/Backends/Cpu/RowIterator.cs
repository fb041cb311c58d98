using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Walks a strided iteration space row by row: the innermost dimension is the row, and for every row
/// the start offsets of up to four operands are produced. Adjacent dimensions that are contiguous
/// for every operand are merged first, so dense tensors become a single long row.
/// </summary>
/// <remarks>
/// The iterator allocates nothing: its state (merged outer shape, odometer, per-operand strides and
/// offsets) lives inline in the struct for up to <see cref="InlineOuterRank"/> outer dimensions after
/// merging, which covers every tensor of rank up to 9; only higher merged ranks spill to one array.
/// Copying the struct copies the walk (the spilled array, if any, is copied too by <see cref="Clone"/>).
/// </remarks>
internal struct RowIterator
{
    /// <summary>The most operands one iterator walks.</summary>
    public const int MaxOperands = 4;

    /// <summary>The merged outer rank held inline; higher ranks use a heap array.</summary>
    public const int InlineOuterRank = 8;

    private const int InlineInts = InlineOuterRank * (2 + MaxOperands);

    [InlineArray(MaxOperands)]
    private struct OperandInts
    {
        private int _element;
    }

    [InlineArray(InlineInts)]
    private struct OuterState
    {
        private int _element;
    }

    // Outer state, laid out as [shape (R) | index (R) | strides (R × ops, dim-major)].
    private OuterState _inline;
    private int[]? _spilled;
    private readonly int _outerRank;
    private readonly int _operands;
    private OperandInts _base;
    private OperandInts _offsets;
    private OperandInts _rowStrides;
    private long _remaining;
    private readonly long _rowCount;
    private bool _started;

    /// <summary>Length of every row.</summary>
    public readonly int RowLength;

    /// <summary>An iterator over one operand.</summary>
    public RowIterator(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides0, int offset0)
        : this(shape, 1, strides0, default, default, default, offset0, 0, 0, 0) { }

    /// <summary>An iterator over two operands sharing <paramref name="shape"/>.</summary>
    public RowIterator(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides0, int offset0, ReadOnlySpan<int> strides1, int offset1)
        : this(shape, 2, strides0, strides1, default, default, offset0, offset1, 0, 0) { }

    /// <summary>An iterator over three operands sharing <paramref name="shape"/>.</summary>
    public RowIterator(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides0, int offset0, ReadOnlySpan<int> strides1, int offset1,
        ReadOnlySpan<int> strides2, int offset2)
        : this(shape, 3, strides0, strides1, strides2, default, offset0, offset1, offset2, 0) { }

    /// <summary>An iterator over four operands sharing <paramref name="shape"/>.</summary>
    public RowIterator(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides0, int offset0, ReadOnlySpan<int> strides1, int offset1,
        ReadOnlySpan<int> strides2, int offset2, ReadOnlySpan<int> strides3, int offset3)
        : this(shape, 4, strides0, strides1, strides2, strides3, offset0, offset1, offset2, offset3) { }

    private RowIterator(ReadOnlySpan<int> shape, int operands,
        ReadOnlySpan<int> s0, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2, ReadOnlySpan<int> s3,
        int o0, int o1, int o2, int o3)
    {
        _operands = operands;
        int rank = shape.Length;
        // Merge dims: dim i merges into the previous kept dim when, for all operands,
        // stride[prev] == stride[i] * shape[i]. Scratch on the stack for any reasonable rank.
        Span<int> dims = rank <= 32 ? stackalloc int[32] : new int[rank];
        Span<int> strides = rank <= 32 ? stackalloc int[32 * MaxOperands] : new int[rank * MaxOperands];
        int kept = 0;
        long numel = 1;
        for (int i = 0; i < rank; i++)
        {
            int size = shape[i];
            numel *= size;
            if (size == 1) continue;
            int t0 = operands > 0 ? s0[i] : 0, t1 = operands > 1 ? s1[i] : 0, t2 = operands > 2 ? s2[i] : 0, t3 = operands > 3 ? s3[i] : 0;
            if (kept > 0)
            {
                var last = strides.Slice((kept - 1) * MaxOperands, MaxOperands);
                if (last[0] == t0 * size && last[1] == t1 * size && last[2] == t2 * size && last[3] == t3 * size)
                {
                    dims[kept - 1] *= size;
                    last[0] = t0; last[1] = t1; last[2] = t2; last[3] = t3;
                    continue;
                }
            }
            dims[kept] = size;
            var next = strides.Slice(kept * MaxOperands, MaxOperands);
            next[0] = t0; next[1] = t1; next[2] = t2; next[3] = t3;
            kept++;
        }
        if (kept == 0)
        {
            dims[0] = 1;
            strides[..MaxOperands].Clear();
            kept = 1;
        }
        RowLength = numel == 0 ? 0 : dims[kept - 1];
        for (int k = 0; k < MaxOperands; k++) _rowStrides[k] = strides[(kept - 1) * MaxOperands + k];
        _base[0] = o0; _base[1] = o1; _base[2] = o2; _base[3] = o3;
        _offsets = _base;

        _outerRank = kept - 1;
        int needed = _outerRank * (2 + operands);
        if (needed > InlineInts) _spilled = new int[needed];
        var state = State();
        for (int d = 0; d < _outerRank; d++)
        {
            state[d] = dims[d];
            state[_outerRank + d] = 0;
            for (int k = 0; k < operands; k++) state[2 * _outerRank + d * operands + k] = strides[d * MaxOperands + k];
        }
        _rowCount = numel == 0 ? 0 : numel / Math.Max(RowLength, 1);
        _remaining = _rowCount;
        _started = false;
    }

    [UnscopedRef]
    private Span<int> State()
    {
        if (_spilled is not null) return _spilled;
        return _inline;
    }

    /// <summary>The number of rows.</summary>
    public readonly long RowCount => _rowCount;

    /// <summary>The stride within a row of operand <paramref name="operand"/>.</summary>
    public readonly int RowStride(int operand) => _rowStrides[operand];

    /// <summary>The start offset of the current row in operand <paramref name="operand"/>.</summary>
    public readonly int Offset(int operand) => _offsets[operand];

    /// <summary>An independent copy of this walk (use one per thread).</summary>
    public readonly RowIterator Clone()
    {
        var copy = this;
        if (_spilled is not null) copy._spilled = (int[])_spilled.Clone();
        return copy;
    }

    /// <summary>Positions the walk so that the next <see cref="MoveNext"/> yields row <paramref name="row"/>.</summary>
    public void SeekRow(long row)
    {
        if ((ulong)row > (ulong)_rowCount) throw new ArgumentOutOfRangeException(nameof(row));
        var state = State();
        int r = _outerRank, ops = _operands;
        _offsets = _base;
        long rest = row == _rowCount ? 0 : row;   // past the end: any position, nothing remains
        for (int d = r - 1; d >= 0; d--)
        {
            int size = state[d];
            int digit = (int)(rest % size);
            rest /= size;
            state[r + d] = digit;
            for (int k = 0; k < ops; k++) _offsets[k] += digit * state[2 * r + d * ops + k];
        }
        _remaining = _rowCount - row;
        _started = false;
    }

    /// <summary>Advances to the next row; false when done.</summary>
    public bool MoveNext()
    {
        if (_remaining == 0) return false;
        if (_started)
        {
            // Odometer increment from the innermost outer dim.
            var state = State();
            int r = _outerRank, ops = _operands;
            for (int d = r - 1; d >= 0; d--)
            {
                var step = state.Slice(2 * r + d * ops, ops);
                int size = state[d];
                if (++state[r + d] < size)
                {
                    for (int k = 0; k < ops; k++) _offsets[k] += step[k];
                    break;
                }
                for (int k = 0; k < ops; k++) _offsets[k] -= step[k] * (size - 1);
                state[r + d] = 0;
            }
        }
        _started = true;
        _remaining--;
        return true;
    }
}
