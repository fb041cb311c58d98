namespace Avalon.Backends.Cpu;

/// <summary>Which micro-kernel the GEMM driver uses; <see cref="Auto"/> picks the widest supported.</summary>
internal enum GemmKernelKind
{
    /// <summary>The widest kernel the hardware supports.</summary>
    Auto,

    /// <summary>Portable scalar kernel (no SIMD).</summary>
    Scalar,

    /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}
