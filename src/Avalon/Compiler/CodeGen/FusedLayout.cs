using System.Text;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// How a fused call's operands lie relative to its dense output, found when it runs: the output's
/// dimensions are coalesced wherever every operand allows (so dense same-shape operands become one flat
/// run, a bias [C] added to [N, C] becomes rows of C, a conv bias [C, 1, 1] on [N, C, H, W] rows of H·W)
/// and viewed as rows × <see cref="Inner"/>. Each input then has a row stride (how its base moves from
/// row to row), a column stride (<see cref="Access"/>), and, for more than two coalesced dimensions,
/// strides over the outer dimensions (<see cref="OuterDims"/>). <see cref="Key"/> is the part of this
/// that chooses generated code (the access kinds and whether rows are computed from outer dimensions);
/// sizes and strides are run-time values of the <see cref="FusedFrame"/>.
/// </summary>
internal sealed class FusedLayout
{
    private FusedLayout(int inner, int rows, int[] rowStrides, int[] colStrides, int[] outerDims, int[] outerStrides, InputAccess[] access, bool tiny)
    {
        IsTiny = tiny;
        Inner = inner;
        Rows = rows;
        RowStrides = rowStrides;
        ColStrides = colStrides;
        OuterDims = outerDims;
        OuterStrides = outerStrides;
        Access = access;
        var sb = new StringBuilder(IsNd ? "nd:" : "rows:");
        foreach (var a in access)
            sb.Append(a switch { InputAccess.Dense => 'd', InputAccess.Scalar => 's', InputAccess.PerRow => 'r', _ => 'g' });
        if (tiny) sb.Append(":tiny");
        Key = sb.ToString();
    }

    /// <summary>
    /// Whether the output is shorter than one Vector128 of its elements: TensorPrimitives then computes
    /// it with its scalar code, and so does the generated kernel for those functions.
    /// </summary>
    public bool IsTiny { get; }

    /// <summary>Elements per row (the innermost coalesced dimension; the whole output when it is one run).</summary>
    public int Inner { get; }

    /// <summary>The number of rows.</summary>
    public int Rows { get; }

    /// <summary>Per input: how far its base moves from one row to the next (two coalesced dimensions or fewer).</summary>
    public int[] RowStrides { get; }

    /// <summary>Per input: its stride along a row.</summary>
    public int[] ColStrides { get; }

    /// <summary>The outer dimensions when more than two remain after coalescing (rows = their product); empty otherwise.</summary>
    public int[] OuterDims { get; }

    /// <summary>Per input, its strides over <see cref="OuterDims"/> (input-major).</summary>
    public int[] OuterStrides { get; }

    /// <summary>Whether row bases are computed from <see cref="OuterDims"/> (three or more coalesced dimensions).</summary>
    public bool IsNd => OuterDims.Length > 0;

    /// <summary>Per input, how it is read along a row.</summary>
    public InputAccess[] Access { get; }

    /// <summary>What chooses the generated code (the access kinds, and rows vs n-d).</summary>
    public string Key { get; }

    /// <summary>The layout of inputs (any strides, broadcasting into <paramref name="outputShape"/>) against a dense output of <paramref name="elementType"/>.</summary>
    public static FusedLayout Of(Tensor[] inputs, int[] outputShape, DType elementType)
    {
        bool tiny = ShapeUtil.Numel(outputShape) < 16 / elementType.SizeOf();
        int k = inputs.Length;
        // Strides per operand over the output's dims; drop size-1 dims, merge a dim into the next kept one
        // when every operand steps through both as one (s[i] == s[j] · D[j]).
        var strides = new int[k][];
        for (int i = 0; i < k; i++) strides[i] = ShapeUtil.BroadcastStrides(inputs[i].Shape.Dims, inputs[i].StridesInternal, outputShape);
        var dims = new List<int>();
        var kept = new List<int[]>();   // per kept dim, the operands' strides (inputs only: the output is dense and always merges)
        for (int d = outputShape.Length - 1; d >= 0; d--)
        {
            int size = outputShape[d];
            if (size == 1) continue;
            var s = new int[k];
            for (int i = 0; i < k; i++) s[i] = strides[i][d];
            if (dims.Count > 0)
            {
                int j = dims.Count - 1;   // the current outermost kept dim
                bool merge = true;
                for (int i = 0; i < k && merge; i++) merge = s[i] == kept[j][i] * dims[j];
                if (merge)
                {
                    dims[j] *= size;
                    continue;
                }
            }
            dims.Add(size);
            kept.Add(s);
        }
        dims.Reverse();
        kept.Reverse();
        if (dims.Count == 0)
        {
            dims.Add(1);
            kept.Add(new int[k]);
        }
        int rank = dims.Count;
        int inner = dims[rank - 1];
        var col = kept[rank - 1];
        var rowStrides = new int[k];
        int[] outerDims = [];
        int[] outerStrides = [];
        long rows = 1;
        for (int d = 0; d < rank - 1; d++) rows *= dims[d];
        if (rank == 2) rowStrides = kept[0];
        else if (rank > 2)
        {
            outerDims = dims.Take(rank - 1).ToArray();
            outerStrides = new int[k * (rank - 1)];
            for (int i = 0; i < k; i++)
                for (int d = 0; d < rank - 1; d++) outerStrides[i * (rank - 1) + d] = kept[d][i];
        }
        var access = new InputAccess[k];
        for (int i = 0; i < k; i++)
        {
            bool rowInvariant = rank <= 2 ? rowStrides[i] == 0 : Enumerable.Range(0, rank - 1).All(d => outerStrides[i * (rank - 1) + d] == 0);
            access[i] = col[i] switch
            {
                1 => InputAccess.Dense,
                0 => rowInvariant ? InputAccess.Scalar : InputAccess.PerRow,
                _ => InputAccess.Strided,
            };
        }
        return new FusedLayout(inner, (int)rows, rowStrides, col, outerDims, outerStrides, access, tiny);
    }
}
