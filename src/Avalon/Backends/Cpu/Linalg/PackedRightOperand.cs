using Avalon.Backends;

namespace Avalon.Backends.Cpu.Linalg;

/// <summary>
/// The packed right operand of one compiled matrix product whose B is a weight (a parameter or a captured
/// tensor, not a buffer of the tape's arena): <see cref="MatMulKernel.Run(Tensor, Tensor, Tensor, PackedRightOperand?)"/>
/// reads B from here instead of packing it on every call, which at batch 1 costs more than the product.
/// </summary>
/// <remarks>
/// <para>Valid for one matrix: the same storage object, offset, layout, sizes and dtype, at the same
/// <see cref="Storage.Version"/>. Every write into a weight counts a version (eager in-place operations,
/// state loading, a compiled training step's update), so a changed weight is packed afresh.</para>
/// <para>The product packs B here on the second call that sees the same matrix at the same version; the
/// first runs the ordinary product, so a weight that changes between every call (the forward of a training
/// step) costs no more than before. Memory: one packed copy of the matrix (about its own size), reused when
/// it is packed again and released with this object, which the compiled tape's step holds.</para>
/// </remarks>
internal sealed class PackedRightOperand
{
    private readonly GemmPackedB _packed = new();
    private Storage? _storage;
    private int _offset, _version, _k, _n, _ld;
    private bool _transposed;
    private DType _dtype;
    private bool _holdsKey;

    /// <summary>How many times B was packed here (for tests and diagnostics).</summary>
    public int Packings { get; private set; }

    /// <summary>The bytes the packed copy holds.</summary>
    public long Bytes => _packed.Bytes;

    /// <summary>
    /// The packing of <paramref name="b"/> (op(B) k×n, read at <paramref name="data"/> with the given layout),
    /// or null when the caller should run the ordinary product (first sight of this matrix at this version).
    /// </summary>
    public unsafe GemmPackedB? For<T>(Tensor b, bool transposed, int ld, int k, int n, T* data)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var storage = b.Storage;
        bool same = ReferenceEquals(storage, _storage) && b.Offset == _offset && storage.Version == _version &&
            k == _k && n == _n && ld == _ld && transposed == _transposed && b.DType == _dtype;
        if (!same)
        {
            (_storage, _offset, _version, _k, _n, _ld, _transposed, _dtype) = (storage, b.Offset, storage.Version, k, n, ld, transposed, b.DType);
            _holdsKey = false;
            return null;
        }
        if (!_holdsKey || !_packed.Fits<T>(Gemm.Resolve<T>(GemmKernelKind.Auto), k, n))
        {
            _packed.Pack(GemmKernelKind.Auto, transposed, data, ld, k, n);
            _holdsKey = true;
            Packings++;
        }
        return _packed;
    }
}
