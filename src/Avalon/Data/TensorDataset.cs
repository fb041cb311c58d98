namespace Avalon.Data;

/// <summary>
/// A dataset over tensors that share their first dimension (PyTorch's <c>TensorDataset</c>):
/// sample <c>i</c> holds row <c>i</c> of each tensor.
/// </summary>
/// <example>
/// <code>
/// var data = new TensorDataset(images, labels);   // images [N, 1, 28, 28], labels [N]
/// var (x, y) = data.Get(0);                        // x [1, 28, 28], y a 0-d tensor
/// </code>
/// </example>
public sealed class TensorDataset : IDataset, IBatchGatherer
{
    private readonly Array[] _data;
    private readonly DType[] _dtypes;
    private readonly int[][] _rowShapes;
    private readonly int[] _rowSizes;

    /// <summary>Creates a dataset over <paramref name="tensors"/>, all with the same size of dimension 0.</summary>
    /// <param name="tensors">One or more CPU tensors of rank ≥ 1; their elements are copied once.</param>
    /// <exception cref="ArgumentException">No tensors, a 0-d tensor, or sizes of dimension 0 that differ.</exception>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw OpErrors.Argument("TensorDataset", "expected at least one tensor, got none.", nameof(tensors));
        int n = -1;
        _data = new Array[tensors.Length];
        _dtypes = new DType[tensors.Length];
        _rowShapes = new int[tensors.Length][];
        _rowSizes = new int[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"TensorDataset: tensor {i} is null.");
            if (t.Rank == 0)
                throw OpErrors.Argument("TensorDataset", $"tensor {i} is 0-dimensional; every tensor needs a first dimension to index samples along.", nameof(tensors));
            if (n >= 0 && t.Size(0) != n)
                throw OpErrors.Argument(
                    "TensorDataset", $"size mismatch between tensors: tensor 0 has {n} rows (dimension 0) but tensor {i} has shape {t.Shape}.", nameof(tensors));
            n = t.Size(0);
            _dtypes[i] = t.DType;
            _data[i] = t.Storage.Backend.ToHost(t);
            _rowShapes[i] = t.Shape.ToArray()[1..];
            _rowSizes[i] = ShapeUtil.Numel(_rowShapes[i]);
        }
        Count = n;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        if ((uint)index >= (uint)Count)
            throw OpErrors.OutOfRange("TensorDataset.Get", nameof(index), index, $"index must be in [0, {Count}).");
        var fields = new Tensor[_data.Length];
        for (int f = 0; f < fields.Length; f++)
        {
            var row = HostTensors.NewArray(_dtypes[f], _rowSizes[f]);
            Array.Copy(_data[f], (long)index * _rowSizes[f], row, 0, _rowSizes[f]);
            fields[f] = HostTensors.Wrap(row, _dtypes[f], (int[])_rowShapes[f].Clone());
        }
        return new Sample(fields);
    }

    bool IBatchGatherer.CanGather => true;

    Tensor[] IBatchGatherer.Gather(ReadOnlySpan<int> indices)
    {
        var fields = new Tensor[_data.Length];
        for (int f = 0; f < fields.Length; f++)
        {
            int size = _rowSizes[f];
            var batch = HostTensors.NewArray(_dtypes[f], indices.Length * size);
            for (int b = 0; b < indices.Length; b++)
            {
                Array.Copy(_data[f], (long)indices[b] * size, batch, (long)b * size, size);
            }
            fields[f] = HostTensors.Wrap(batch, _dtypes[f], [indices.Length, .. _rowShapes[f]]);
        }
        return fields;
    }
}
