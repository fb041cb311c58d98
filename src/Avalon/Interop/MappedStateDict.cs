using System.Collections;

namespace Avalon.Interop;

/// <summary>
/// A state dict read lazily from a file: the names, dtypes and shapes are known when it opens, and a tensor
/// is read from the file (and converted to its Avalon dtype) only when its value is asked for, so
/// <c>model.LoadStateDict(mapped)</c> needs the model's memory plus one tensor, not the whole file's twice.
/// </summary>
/// <remarks>
/// <para>
/// Every read of a value (the indexer, <see cref="TryGetValue"/>, enumeration, <see cref="Values"/>)
/// builds a new CPU tensor that owns its memory; nothing is cached, so a caller that keeps every value
/// holds the whole file, as the eager readers do. <see cref="Keys"/>, <see cref="ContainsKey"/>,
/// <see cref="Count"/> and <see cref="Tensors"/> read no tensor data.
/// </para>
/// <para>
/// The file stays open (and mapped) until <see cref="Dispose"/>; after it, reading a value raises
/// <see cref="ObjectDisposedException"/>, while the names, dtypes and shapes stay readable. Values may be
/// read from several threads at once. The file must not change while it is open.
/// </para>
/// </remarks>
public abstract class MappedStateDict : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly Dictionary<string, int> _index;
    private volatile bool _disposed;

    private protected MappedStateDict(IReadOnlyList<StoredTensorInfo> tensors)
    {
        Tensors = tensors;
        _index = new Dictionary<string, int>(tensors.Count, StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++) _index.Add(tensors[i].Name, i);
    }

    /// <summary>Every tensor's name, dtype and shape, in the order of <see cref="Keys"/>; reads no tensor data.</summary>
    public IReadOnlyList<StoredTensorInfo> Tensors { get; }

    /// <summary>The number of tensors.</summary>
    public int Count => Tensors.Count;

    /// <summary>The tensor names in file order.</summary>
    public IEnumerable<string> Keys => Tensors.Select(t => t.Name);

    /// <summary>The tensors in file order, each read from the file as the enumeration reaches it.</summary>
    /// <exception cref="ObjectDisposedException">The view has been disposed.</exception>
    public IEnumerable<Tensor> Values
    {
        get
        {
            for (int i = 0; i < Tensors.Count; i++) yield return Read(i);
        }
    }

    /// <summary>Reads the tensor named <paramref name="key"/> from the file.</summary>
    /// <exception cref="KeyNotFoundException">The file holds no tensor of that name.</exception>
    /// <exception cref="ObjectDisposedException">The view has been disposed.</exception>
    /// <exception cref="InvalidDataException">The tensor's data is invalid (a bool byte other than 0 and 1, a damaged compressed entry).</exception>
    /// <exception cref="NotSupportedException">A uint64 element exceeds int64's range.</exception>
    public Tensor this[string key] => _index.TryGetValue(key, out int i)
        ? Read(i)
        : throw new KeyNotFoundException($"{GetType().Name}: the file holds no tensor named '{key}'.");

    /// <summary>True when the file holds a tensor named <paramref name="key"/>; reads no tensor data.</summary>
    public bool ContainsKey(string key) => _index.ContainsKey(key);

    /// <summary>Reads the tensor named <paramref name="key"/> from the file when there is one.</summary>
    /// <exception cref="ObjectDisposedException">The view has been disposed.</exception>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value)
    {
        if (!_index.TryGetValue(key, out int i))
        {
            value = null;
            return false;
        }
        value = Read(i);
        return true;
    }

    /// <summary>The name, dtype and shape of the tensor named <paramref name="key"/>, without reading its data.</summary>
    public bool TryGetInfo(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out StoredTensorInfo info)
    {
        if (_index.TryGetValue(key, out int i))
        {
            info = Tensors[i];
            return true;
        }
        info = null;
        return false;
    }

    /// <summary>The pairs in file order, each tensor read from the file as the enumeration reaches it.</summary>
    /// <exception cref="ObjectDisposedException">The view has been disposed.</exception>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator()
    {
        for (int i = 0; i < Tensors.Count; i++) yield return new(Tensors[i].Name, Read(i));
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Closes the file; later reads of a value raise <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Checks the data of the tensor named <paramref name="key"/> as reading it would (bool bytes, uint64
    /// ranges, a compressed entry's integrity) without allocating it: what lets
    /// <see cref="Nn.Module.LoadStateDict"/> stay all or nothing while it reads one tensor at a time.
    /// </summary>
    internal void CheckData(string key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckData(_index[key]);
    }

    /// <summary>
    /// Reads the tensor named <paramref name="key"/> straight into <paramref name="target"/>'s memory when
    /// that is a contiguous CPU tensor of the same dtype and shape and the stored tensor is contiguous too,
    /// allocating nothing; false (and nothing read) otherwise. Bumps the target's version like any in-place write.
    /// </summary>
    internal bool TryReadInto(string key, Tensor target)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int index = _index[key];
        var info = Tensors[index];
        if (target.Storage is not Backends.Cpu.CpuStorage cpu || !target.IsContiguous || target.DType != info.DType || target.Shape != info.Shape)
            return false;
        if (!ReadInto(index, cpu.Data, target.Offset)) return false;
        cpu.BumpVersion();
        return true;
    }

    private Tensor Read(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Materialize(index);
    }

    /// <summary>Reads tensor <paramref name="index"/> (of <see cref="Tensors"/>) from the file into a new tensor.</summary>
    private protected abstract Tensor Materialize(int index);

    /// <summary>
    /// Reads tensor <paramref name="index"/>'s elements, in row-major order, into <paramref name="array"/>
    /// from <paramref name="start"/> and returns true; false when the stored layout is not row-major (then nothing is read).
    /// </summary>
    private protected abstract bool ReadInto(int index, Array array, int start);

    /// <summary>Checks tensor <paramref name="index"/>'s data without allocating it; throws what <see cref="Materialize"/> would.</summary>
    private protected abstract void CheckData(int index);

    /// <summary>Unmaps and closes the file.</summary>
    private protected abstract void Release();
}
