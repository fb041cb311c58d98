namespace Avalon.Backends.Cpu;

/// <summary>
/// Walks a strided iteration space row by row: the innermost dimension is the row, and for every row
/// the start offsets of up to three operands are produced. Adjacent dimensions that are contiguous
/// for every operand are merged first, so dense tensors become a single long row.
/// </summary>
internal struct RowIterator
{
    private readonly int[] _outerShape;
    private readonly int[][] _outerStrides;
    private readonly int[] _index;
    private readonly int[] _offsets;
    private long _remaining;

    /// <summary>Length of every row.</summary>
    public readonly int RowLength;

    /// <summary>Per-operand stride within a row.</summary>
    public readonly int[] RowStrides;

    /// <summary>Creates the iterator for <paramref name="shape"/> and the operands' strides and base offsets.</summary>
    public RowIterator(ReadOnlySpan<int> shape, int[][] strides, int[] offsets)
    {
        int ops = strides.Length;
        // Merge dims: dim i merges into i+1 when, for all operands, stride[i] == stride[i+1] * shape[i+1].
        var dims = new List<int>();
        var st = new List<int[]>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            var s = new int[ops];
            for (int k = 0; k < ops; k++) s[k] = strides[k][i];
            if (dims.Count > 0)
            {
                int last = dims.Count - 1;
                bool merge = true;
                for (int k = 0; k < ops; k++)
                    if (st[last][k] != s[k] * shape[i]) { merge = false; break; }
                if (merge)
                {
                    dims[last] *= shape[i];
                    st[last] = s;
                    continue;
                }
            }
            dims.Add(shape[i]);
            st.Add(s);
        }
        int numel = 1;
        foreach (int d in shape) numel *= d;
        if (dims.Count == 0)
        {
            dims.Add(1);
            st.Add(new int[ops]);
        }
        int rank = dims.Count;
        RowLength = numel == 0 ? 0 : dims[rank - 1];
        RowStrides = st[rank - 1];
        _outerShape = new int[rank - 1];
        _outerStrides = new int[rank - 1][];
        for (int i = 0; i < rank - 1; i++)
        {
            _outerShape[i] = dims[i];
            _outerStrides[i] = st[i];
        }
        _index = new int[rank - 1];
        _offsets = (int[])offsets.Clone();
        _remaining = numel == 0 ? 0 : numel / Math.Max(RowLength, 1);
        Offsets = new int[ops];
        _started = false;
    }

    private bool _started;

    /// <summary>The start offsets of the current row, one per operand.</summary>
    public readonly int[] Offsets;

    /// <summary>The number of rows.</summary>
    public readonly long RowCount => _remaining;

    /// <summary>Advances to the next row; false when done.</summary>
    public bool MoveNext()
    {
        if (_remaining == 0) return false;
        if (_started)
        {
            // Odometer increment from the innermost outer dim.
            for (int d = _outerShape.Length - 1; d >= 0; d--)
            {
                _index[d]++;
                for (int k = 0; k < _offsets.Length; k++) _offsets[k] += _outerStrides[d][k];
                if (_index[d] < _outerShape[d]) break;
                for (int k = 0; k < _offsets.Length; k++) _offsets[k] -= _outerStrides[d][k] * _outerShape[d];
                _index[d] = 0;
            }
        }
        _started = true;
        _remaining--;
        Array.Copy(_offsets, Offsets, _offsets.Length);
        return true;
    }
}
