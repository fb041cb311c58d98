using Avalon.Autodiff;
using Avalon.Backends;

namespace Avalon;

/// <summary>
/// An n-dimensional array of one dtype on one device: a view (shape, strides, offset) over a storage.
/// Operations follow PyTorch's names and semantics with NumPy broadcasting; every operation is a
/// primitive call, so it can be recorded on a tape and differentiated.
/// </summary>
/// <remarks>
/// CPU tensors need no Dispose: their memory is managed. The class is split into partial files by
/// facet (creation, views, arithmetic, reductions, autograd, formatting).
/// </remarks>
public sealed partial class Tensor
{
    private readonly int[] _shape;
    private readonly int[] _strides;

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        _shape = shape;
        _strides = strides;
        Offset = offset;
    }

    internal Tensor(Storage storage, int[] shape) : this(storage, shape, ShapeUtil.ContiguousStrides(shape), 0) { }

    /// <summary>
    /// A tensor viewing <paramref name="storage"/> with the given layout (PyTorch's <c>as_strided</c>
    /// over a storage): how a backend, which allocates <see cref="Backends.Storage"/>s of its own, turns
    /// them into tensors. Every element the layout reaches must lie inside the storage.
    /// </summary>
    /// <param name="storage">The elements.</param>
    /// <param name="shape">The sizes.</param>
    /// <param name="strides">The steps in elements per dimension (null: dense row-major).</param>
    /// <param name="offset">The index of the first element.</param>
    /// <exception cref="ArgumentException">The layout reaches outside the storage, or a size or stride is negative.</exception>
    public static Tensor OverStorage(Storage storage, int[] shape, int[]? strides = null, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(shape);
        strides ??= ShapeUtil.ContiguousStrides(shape);
        if (strides.Length != shape.Length)
            throw OpErrors.Argument("Tensor.OverStorage", $"{shape.Length} sizes but {strides.Length} strides.");
        long last = offset;
        bool empty = false;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] < 0 || strides[d] < 0)
                throw OpErrors.Argument("Tensor.OverStorage", $"sizes and strides must be non-negative, got shape {ShapeUtil.Format(shape)} and strides {ShapeUtil.Format(strides)}.");
            if (shape[d] == 0) empty = true;
            else last += (long)(shape[d] - 1) * strides[d];
        }
        if (offset < 0 || !empty && last >= storage.Length)
            throw OpErrors.Argument(
                "Tensor.OverStorage", $"shape {ShapeUtil.Format(shape)}, strides {ShapeUtil.Format(strides)} and offset {offset} reach element {last}, but the storage holds {storage.Length}.");
        return new Tensor(storage, (int[])shape.Clone(), (int[])strides.Clone(), offset);
    }

    /// <summary>The storage this tensor views (shared with every view of it).</summary>
    public Storage Storage { get; }

    /// <summary>The sizes of the dimensions.</summary>
    public Shape Shape => Shape.Wrap(_shape);

    /// <summary>The step, in elements, between neighbours along each dimension.</summary>
    public int[] Strides => (int[])_strides.Clone();

    internal int[] StridesInternal => _strides;

    /// <summary>Index of the first element within the storage.</summary>
    public int Offset { get; }

    /// <summary>The element type.</summary>
    public DType DType => Storage.DType;

    /// <summary>The device holding the elements.</summary>
    public Device Device => Storage.Device;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of dimensions (PyTorch's <c>dim()</c>).</summary>
    public int Dim => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int Numel => ShapeUtil.Numel(_shape);

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _shape[ShapeUtil.NormalizeSizedDim(dim, Rank, "size")];

    /// <summary>Whether the elements are laid out densely in row-major order.</summary>
    public bool IsContiguous => ShapeUtil.IsContiguous(_shape, _strides);

    /// <summary>Whether two tensors share storage (one is a view of the other).</summary>
    public bool SharesStorageWith(Tensor other) => ReferenceEquals(Storage, other.Storage);

    /// <summary>A new dense tensor of zeros (kernels may accumulate into it).</summary>
    internal static Tensor Empty(int[] shape, DType dtype, Device device)
    {
        var storage = Backend.For(device).Allocate(dtype, ShapeUtil.Numel(shape));
        return new Tensor(storage, (int[])shape.Clone());
    }

    /// <summary>
    /// A new dense tensor whose elements are unspecified: only for a kernel that writes every element
    /// before anything reads it. Set <c>AVALON_POISON_UNINITIALIZED=1</c> to fill it with NaN and catch misuse.
    /// </summary>
    internal static Tensor Uninitialized(int[] shape, DType dtype, Device device)
    {
        var storage = Backend.For(device).AllocateUninitialized(dtype, ShapeUtil.Numel(shape));
        return new Tensor(storage, (int[])shape.Clone());
    }

    /// <summary>A new dense tensor of the spec whose elements are unspecified (see <see cref="Uninitialized(int[], DType, Device)"/>).</summary>
    internal static Tensor Uninitialized(Avalon.Primitives.TensorSpec spec)
    {
        var storage = Backend.For(spec.Device).AllocateUninitialized(spec.DType, spec.Shape.Numel);
        // A shape's sizes are never written after it is made, so the tensor shares them (no copy per call).
        return new Tensor(storage, spec.Shape.Dims);
    }

    /// <summary>A dense copy that records nothing (for kernels that need dense input).</summary>
    internal Tensor ContiguousNoGrad()
    {
        if (IsContiguous) return this;
        var result = Uninitialized(_shape, DType, Device);
        Storage.Backend.Copy(this, result);
        return result;
    }

    internal Avalon.Primitives.TensorSpec Spec => Avalon.Primitives.TensorSpec.Of(this);

    /// <summary>A dense copy that records nothing, always copying.</summary>
    internal Tensor ContiguousCopy()
    {
        var result = Uninitialized(_shape, DType, Device);
        Storage.Backend.Copy(this, result);
        return result;
    }

    /// <summary>A new tensor viewing the same storage with other metadata (no recording).</summary>
    internal Tensor ViewOf(int[] shape, int[] strides, int offset) => new(Storage, shape, strides, offset);
}
