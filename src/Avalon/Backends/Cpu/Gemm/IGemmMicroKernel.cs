namespace Avalon.Backends.Cpu;

/// <summary>
/// A register-blocked GEMM micro-kernel: multiplies one packed Mr×kc panel of A by one packed kc×Nr
/// panel of B and merges the Mr×Nr product into C. Implemented by structs so that the driver is
/// specialised per kernel by the JIT and the shape constants fold away.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal unsafe interface IGemmMicroKernel<T> where T : unmanaged
{
    /// <summary>Rows of C computed per call (rows of a packed A panel).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of C computed per call (columns of a packed B panel).</summary>
    static abstract int Nr { get; }

    /// <summary>Whether the hardware runs this kernel natively.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>
    /// C[0..Mr, 0..Nr] = alpha * (A panel · B panel) + beta * C. A is packed k-major (Mr values per
    /// step of k), B likewise (Nr values per step). When <paramref name="beta"/> is zero, C is only
    /// written, never read, so it may hold NaN or garbage.
    /// </summary>
    static abstract void Compute(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta);
}
