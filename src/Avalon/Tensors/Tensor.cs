using Avalon.Autodiff;
using Avalon.Backends;
using Avalon.Backends.Cpu;

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

    internal Storage Storage { get; }

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
    public int Size(int dim) => _shape[ShapeUtil.NormalizeDim(dim, Rank, "size")];

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
        int numel = ShapeUtil.Numel(shape);
        var storage = device.Type == DeviceType.Cpu
            ? CpuBackend.Instance.AllocateUninitialized(dtype, numel)
            : Backend.For(device).Allocate(dtype, numel);
        return new Tensor(storage, (int[])shape.Clone());
    }

    /// <summary>The CPU storage as a span of <typeparamref name="T"/> (whole storage; index with offset and strides).</summary>
    internal Span<T> CpuSpan<T>() where T : unmanaged
    {
        if (Storage is not CpuStorage cpu)
            throw new InvalidOperationException($"Expected a CPU tensor but it is on {Device}. Move it with .To(Device.Cpu).");
        if (DTypeInfo.Of<T>() != DType)
            throw new InvalidOperationException($"Expected a {DTypeInfo.Of<T>().Name()} tensor but it is {DType.Name()}.");
        return cpu.Span<T>();
    }

    /// <summary>The elements of a contiguous CPU tensor as a span (exactly <see cref="Numel"/> long).</summary>
    internal Span<T> ContiguousSpan<T>() where T : unmanaged
    {
        if (!IsContiguous) throw new InvalidOperationException("ContiguousSpan requires a contiguous tensor.");
        return CpuSpan<T>().Slice(Offset, Numel);
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
