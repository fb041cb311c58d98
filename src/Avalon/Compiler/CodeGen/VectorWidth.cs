using System.Runtime.Intrinsics;

namespace Avalon.Compiler.CodeGen;

/// <summary>The vector width a generated kernel's body uses.</summary>
internal enum VectorWidth
{
    /// <summary>No vector body: every element through the scalar loop.</summary>
    Scalar,

    /// <summary>Vector256 lanes.</summary>
    Vector256,

    /// <summary>Vector512 lanes.</summary>
    Vector512,
}

/// <summary>Choice of the vector width.</summary>
internal static class VectorWidths
{
    /// <summary>Vector512 when it is hardware accelerated, else Vector256 when that is, else scalar (as the unfused loops choose).</summary>
    public static VectorWidth Best =>
        Vector512.IsHardwareAccelerated ? VectorWidth.Vector512
        : Vector256.IsHardwareAccelerated ? VectorWidth.Vector256
        : VectorWidth.Scalar;

    /// <summary>Lanes of <paramref name="elementType"/> per vector of <paramref name="width"/> (1 for scalar).</summary>
    public static int Lanes(VectorWidth width, DType elementType) =>
        width switch { VectorWidth.Vector512 => 64, VectorWidth.Vector256 => 32, _ => elementType.SizeOf() } / elementType.SizeOf();
}
