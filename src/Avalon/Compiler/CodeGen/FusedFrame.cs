namespace Avalon.Compiler.CodeGen;

/// <summary>
/// The run-time arguments of a generated fused kernel: the operands' arrays (inputs, then the output),
/// their offsets, and the layout's sizes and strides. Generated code reads these once, into locals.
/// </summary>
internal sealed class FusedFrame
{
    /// <summary>Creates the frame of one call.</summary>
    public FusedFrame(Array[] data, int[] offsets, FusedLayout layout, int total, int elementSize)
    {
        VectorEnd = UnaryLoopVectorEnd(total, elementSize);
        Data = data;
        Offsets = offsets;
        RowStrides = layout.RowStrides;
        ColStrides = layout.ColStrides;
        Inner = layout.Inner;
        OuterDims = layout.OuterDims;
        OuterStrides = layout.OuterStrides;
    }

    /// <summary>The operands' backing arrays: the inputs in order, then the output.</summary>
    public Array[] Data { get; }

    /// <summary>The operands' element offsets into their arrays (the output's last).</summary>
    public int[] Offsets { get; }

    /// <summary>Per input, the step of its base from row to row.</summary>
    public int[] RowStrides { get; }

    /// <summary>Per input, its stride along a row.</summary>
    public int[] ColStrides { get; }

    /// <summary>Elements per row.</summary>
    public int Inner { get; }

    /// <summary>The outer dimensions of an n-d layout.</summary>
    public int[] OuterDims { get; }

    /// <summary>Per input, its strides over <see cref="OuterDims"/> (input-major).</summary>
    public int[] OuterStrides { get; }

    /// <summary>
    /// The flat output index where the unfused <c>UnaryLoop</c> (log1p, expm1, erf) switches from its vector
    /// body to its scalar tail: it runs Vector512 when accelerated and the span holds one, else Vector256
    /// when accelerated, over spans that are the whole output or fixed chunks that are multiples of every
    /// width but the last. Generated code computes those functions' elements below this index by the
    /// vector form and the rest by the scalar form, so that it rounds exactly as the unfused loop does.
    /// </summary>
    public int VectorEnd { get; }

    private static int UnaryLoopVectorEnd(int total, int elementSize)
    {
        int lanes = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && total >= 64 / elementSize ? 64 / elementSize
            : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 32 / elementSize
            : 0;
        return lanes == 0 ? 0 : total - total % lanes;
    }

    /// <summary>The element index where input <paramref name="input"/>'s row <paramref name="row"/> starts (n-d layouts).</summary>
    public static int RowBase(FusedFrame frame, int input, int row)
    {
        int rank = frame.OuterDims.Length;
        int offset = frame.Offsets[input];
        for (int d = rank - 1; d >= 0; d--)
        {
            int size = frame.OuterDims[d];
            offset += row % size * frame.OuterStrides[input * rank + d];
            row /= size;
        }
        return offset;
    }
}
