using Avalon.Backends;
using Avalon.Backends.Cpu.Linalg;
using Avalon.Compiler.Fusion;
using Avalon.Primitives;
using Avalon.Primitives.Linalg;

namespace Avalon.Compiler.Execution;

/// <summary>
/// Chooses, while a <see cref="CompiledTape"/> is prepared, the kernel of a matrix product whose right
/// operand is a weight: a CPU <c>matmul</c> (or <c>matmul_epilogue</c>) whose B is a 2-D float32/float64
/// matrix living outside the tape's arenas (a parameter bound by reference, a captured tensor, or a view
/// of one) that the tape itself never writes. Such a step gets a <see cref="PackedRightOperand"/> of its
/// own, so B is packed once per version of the weight instead of on every run (a batch-1 prediction
/// spends most of its time packing otherwise).
/// </summary>
internal static class PackedWeightKernel
{
    /// <summary>The kernel with a packed-weight cache for this call, or null to use the primitive's own.</summary>
    /// <param name="primitive">The call's primitive.</param>
    /// <param name="args">Its prepared arguments.</param>
    /// <param name="isWeight">Whether a storage holds a weight: not an arena, not written by the tape.</param>
    public static Kernel? For(Primitive primitive, Tensor[] args, Func<Storage, bool> isWeight)
    {
        var epilogue = primitive as FusedEpiloguePrimitive;
        bool product = ReferenceEquals(primitive, MatMulPrimitives.MatMul) || ReferenceEquals(epilogue?.Producer, MatMulPrimitives.MatMul);
        if (!product || args.Length < 2) return null;
        var b = args[1];
        if (b.Device != Device.Cpu || b.Rank != 2 || b.DType is not (DType.Float32 or DType.Float64) || !isWeight(b.Storage)) return null;
        var packed = new PackedRightOperand();
        return epilogue is not null
            ? epilogue.CpuKernelWithPackedRightOperand(packed)
            : (inputs, _, outputs) => MatMulKernel.Run(inputs[0], inputs[1], outputs[0], packed);
    }
}
