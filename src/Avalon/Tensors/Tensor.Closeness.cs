namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Elementwise closeness with broadcasting (<c>torch.isclose</c>): <c>a</c> and <c>b</c> are close where
    /// they are equal (infinities of the same sign included) or where <c>|a − b| ≤ atol + rtol·|b|</c> with a
    /// finite difference; NaNs are close to each other only when <paramref name="equalNan"/> is set. The test
    /// is not symmetric: the relative tolerance scales with <paramref name="other"/>, as in PyTorch and NumPy.
    /// Integer and bool tensors are compared in float64.
    /// </summary>
    /// <param name="other">The tensor compared against (broadcast with this one).</param>
    /// <param name="rtol">Relative tolerance (non-negative).</param>
    /// <param name="atol">Absolute tolerance (non-negative).</param>
    /// <param name="equalNan">Count NaN as close to NaN.</param>
    /// <returns>A bool tensor of the broadcast shape; it carries no gradient.</returns>
    /// <exception cref="ArgumentException">The dtypes differ, or a tolerance is negative or NaN.</exception>
    public Tensor IsClose(Tensor other, double rtol = 1e-05, double atol = 1e-08, bool equalNan = false)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (DType != other.DType)
            throw OpErrors.Argument("isclose", $"expected both tensors to have the same dtype, but got {DType.Name()} and {other.DType.Name()}.");
        if (!(rtol >= 0) || !(atol >= 0))
            throw OpErrors.Argument("isclose", $"expected non-negative tolerances, but got rtol={rtol} and atol={atol}.");
        var a = DType.IsFloatingPoint() ? this : To(DType.Float64);
        var b = other.DType.IsFloatingPoint() ? other : other.To(DType.Float64);
        var error = (a - b).Abs();
        var close = a.Eq(b).LogicalOr(error.IsFinite().LogicalAnd(error.Le(b.Abs() * rtol + atol)));
        return equalNan ? close.LogicalOr(a.IsNan().LogicalAnd(b.IsNan())) : close;
    }

    /// <summary>
    /// Whether every element is close to <paramref name="other"/>'s (<c>torch.allclose</c>; see
    /// <see cref="IsClose"/> for the test and the tolerances).
    /// </summary>
    public bool AllClose(Tensor other, double rtol = 1e-05, double atol = 1e-08, bool equalNan = false) =>
        IsClose(other, rtol, atol, equalNan).All().Item<bool>();
}
