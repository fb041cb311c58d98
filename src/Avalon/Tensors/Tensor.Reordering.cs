using Avalon.Primitives;
using Avalon.Primitives.Indexing;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>Reverses the order of elements along each of <paramref name="dims"/> (a copy; PyTorch's <c>flip</c>).</summary>
    public Tensor Flip(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var norm = ShapeUtil.NormalizeDims(dims, Rank, "flip");
        if (Rank == 0 || norm.Length == 0) return this;
        return ReorderPrimitives.Flip.Invoke(Attributes.Of(("dims", norm)), this);
    }

    /// <summary>
    /// Rolls the elements by <paramref name="shifts"/> positions along <paramref name="dim"/>; elements moved
    /// past the end re-enter at the start. Without a dim the tensor is rolled as if flattened (PyTorch's <c>roll</c>).
    /// </summary>
    public Tensor Roll(int shifts, int? dim = null) =>
        dim is int d ? Roll([shifts], [d]) : Flatten().Roll([shifts], [0]).Reshape(_shape);

    /// <summary>Rolls by <paramref name="shifts"/>[i] along <paramref name="dims"/>[i] for each i (a dim may repeat; its shifts add up).</summary>
    public Tensor Roll(int[] shifts, int[] dims)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(dims);
        if (shifts.Length != dims.Length)
            throw OpErrors.Argument("roll", $"shifts and dimensions must align: got {shifts.Length} shifts [{string.Join(", ", shifts)}] and {dims.Length} dims [{string.Join(", ", dims)}].");
        if (dims.Length == 0) throw OpErrors.Argument("roll", "expected at least one dimension; pass a dim or use Roll(shift) to roll the flattened tensor.");
        if (Rank == 0) return Flatten().Roll(shifts, new int[dims.Length]).Reshape(_shape);
        var perDim = new long[Rank];
        for (int i = 0; i < dims.Length; i++) perDim[ShapeUtil.NormalizeDim(dims[i], Rank, "roll")] += shifts[i];
        var normalized = new int[Rank];
        bool any = false;
        for (int d = 0; d < Rank; d++)
        {
            int n = _shape[d];
            normalized[d] = n == 0 ? 0 : (int)((perDim[d] % n + n) % n);
            any |= normalized[d] != 0;
        }
        return any ? ReorderPrimitives.Roll.Invoke(Attributes.Of(("shifts", normalized)), this) : this;
    }
}
