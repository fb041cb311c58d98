using Avalon.Primitives;
using Avalon.Primitives.Reduction;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>Normalised, sorted reduction dims (all dims when <paramref name="dims"/> is null or empty).</summary>
    internal int[] ReductionDims(int[]? dims, string op)
    {
        if (dims is null || dims.Length == 0) return Enumerable.Range(0, Rank).ToArray();
        var norm = ShapeUtil.NormalizeDims(dims, Rank, op);
        Array.Sort(norm);
        return Rank == 0 ? [] : norm;
    }

    /// <summary>Sum of all elements (a 0-dim tensor).</summary>
    public Tensor Sum() => Sum(null);

    /// <summary>Sum over <paramref name="dims"/> (all when null).</summary>
    /// <remarks>A bool tensor sums to an int64 count of its true elements, as in PyTorch.</remarks>
    public Tensor Sum(int[]? dims, bool keepDim = false) => DType == DType.Bool
        ? To(DType.Int64).Sum(dims, keepDim)
        : SumPrimitives.Sum.Invoke(Attributes.Of(("dims", ReductionDims(dims, "sum")), ("keepdim", keepDim)), this);

    /// <summary>Sum over one dim.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean of all elements.</summary>
    public Tensor Mean() => Mean(null);

    /// <summary>Mean over <paramref name="dims"/> (all when null); floating-point only.</summary>
    public Tensor Mean(int[]? dims, bool keepDim = false)
    {
        if (!DType.IsFloatingPoint())
            throw OpErrors.Argument("mean", $"expected a floating-point tensor, got {DType.Name()}{Shape}. Convert with .To(DType.Float32).");
        var d = ReductionDims(dims, "mean");
        int count = 1;
        foreach (int i in d) count *= _shape[i];
        return Sum(d, keepDim) / count;
    }

    /// <summary>Mean over one dim.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);
}
