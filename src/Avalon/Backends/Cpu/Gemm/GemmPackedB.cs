using System.Numerics;
using System.Runtime.InteropServices;

namespace Avalon.Backends.Cpu;

/// <summary>
/// A whole op(B) packed once for one micro-kernel, so that products over it skip the packing of B
/// (<see cref="Gemm.ComputePacked{T}"/>): for every slice of k (<see cref="GemmDriver{T, TKernel}.Kc"/>
/// deep, the last one shorter), the ceil(n/Nr) panels of kc×Nr that <see cref="GemmPacking.PackB{T}"/>
/// writes, panel after panel over all n columns. The block of columns jc.. of the slice at pc that the
/// driver would pack is therefore already in place at pc·n' + jc·kc (n' = n rounded up to Nr), and a
/// product over it gives every element of C the same operations, bitwise the same result.
/// </summary>
/// <remarks>The elements live in 64-byte aligned native memory that grows to the largest matrix packed and
/// is reused; it is freed with the object (its finalizer), so its owner releases it by dropping it.</remarks>
internal sealed unsafe class GemmPackedB
{
    private byte* _data;
    private nuint _capacity;

    /// <summary>The (resolved) micro-kernel the panels are laid out for.</summary>
    public GemmKernelKind Kind { get; private set; }

    /// <summary>The element size in bytes (4: float, 8: double); 0 before the first packing.</summary>
    public int ElementSize { get; private set; }

    /// <summary>Rows of op(B).</summary>
    public int K { get; private set; }

    /// <summary>Columns of op(B).</summary>
    public int N { get; private set; }

    /// <summary>Columns per panel (the kernel's Nr).</summary>
    public int Nr { get; private set; }

    /// <summary>n rounded up to whole panels: the length of one step of k in a slice.</summary>
    public int PaddedN { get; private set; }

    /// <summary>The bytes held.</summary>
    public long Bytes => (long)_capacity;

    /// <summary>Packs op(B) (k×n; b[j·ldb + p] when <paramref name="transB"/>, else b[p·ldb + j]) for <paramref name="kind"/>.</summary>
    public void Pack<T>(GemmKernelKind kind, bool transB, T* b, nint ldb, int k, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        kind = Gemm.Resolve<T>(kind);
        int nr = Gemm.PanelWidth<T>(kind);
        int paddedN = GemmDriver<T, GemmMicroKernelScalar<T>>.RoundUp(n, nr);
        nuint bytes = (nuint)Math.Max((long)k * paddedN * sizeof(T), 1);
        GemmWorkspace.Ensure(ref _data, ref _capacity, bytes);
        (Kind, ElementSize, K, N, Nr, PaddedN) = (kind, sizeof(T), k, n, nr, paddedN);
        int kcMax = GemmDriver<T, GemmMicroKernelScalar<T>>.Kc;
        for (int pc = 0; pc < k; pc += kcMax)
            GemmPacking.PackB(transB, b, ldb, pc, 0, Math.Min(kcMax, k - pc), n, nr, (T*)_data + (nint)pc * paddedN);
    }

    /// <summary>Whether this holds a packing of a k×n matrix of <typeparamref name="T"/> for <paramref name="kind"/> (resolved).</summary>
    public bool Fits<T>(GemmKernelKind kind, int k, int n) where T : unmanaged =>
        ElementSize == sizeof(T) && Kind == kind && K == k && N == n;

    /// <summary>The packed block of the slice of k starting at <paramref name="pc"/>, from column <paramref name="jc"/> (a multiple of Nr).</summary>
    public T* Block<T>(int pc, int jc) where T : unmanaged =>
        (T*)_data + (nint)pc * PaddedN + (nint)jc * Math.Min(GemmDriver<float, GemmMicroKernelScalar<float>>.Kc, K - pc);

    ~GemmPackedB() => NativeMemory.AlignedFree(_data);
}
