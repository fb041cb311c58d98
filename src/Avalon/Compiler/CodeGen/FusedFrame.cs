namespace Avalon.Compiler.CodeGen;

/// <summary>
/// The run-time arguments of a generated fused kernel: the operands' arrays (inputs, then the output),
/// their offsets, and the layout's sizes and strides. Generated code reads these once, into locals.
/// </summary>
internal sealed class FusedFrame
{
    /// <summary>Creates the frame of one call.</summary>
    public FusedFrame(Array[] data, int[] offsets, FusedLayout layout)
    {
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
