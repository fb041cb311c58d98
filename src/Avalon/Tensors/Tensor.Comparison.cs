using Avalon.Primitives;
using Avalon.Primitives.Elementwise;
using P = Avalon.Primitives.Attributes;

namespace Avalon;

/// <remarks>
/// Comparisons return bool tensors and carry no gradient. <c>==</c> and <c>!=</c> stay reference
/// equality on tensors; use <see cref="Eq(Tensor)"/> and <see cref="Ne(Tensor)"/> for elementwise tests.
/// </remarks>
public sealed partial class Tensor
{
    /// <summary>Elementwise a == b with broadcasting (<c>torch.eq</c>).</summary>
    public Tensor Eq(Tensor other) => ComparisonPrimitives.Eq.Invoke(P.Empty, this, other);

    /// <summary>Elementwise a != b with broadcasting (<c>torch.ne</c>).</summary>
    public Tensor Ne(Tensor other) => ComparisonPrimitives.Ne.Invoke(P.Empty, this, other);

    /// <summary>Elementwise a &lt; b with broadcasting (<c>torch.lt</c>).</summary>
    public Tensor Lt(Tensor other) => ComparisonPrimitives.Lt.Invoke(P.Empty, this, other);

    /// <summary>Elementwise a &lt;= b with broadcasting (<c>torch.le</c>).</summary>
    public Tensor Le(Tensor other) => ComparisonPrimitives.Le.Invoke(P.Empty, this, other);

    /// <summary>Elementwise a &gt; b with broadcasting (<c>torch.gt</c>).</summary>
    public Tensor Gt(Tensor other) => ComparisonPrimitives.Gt.Invoke(P.Empty, this, other);

    /// <summary>Elementwise a &gt;= b with broadcasting (<c>torch.ge</c>).</summary>
    public Tensor Ge(Tensor other) => ComparisonPrimitives.Ge.Invoke(P.Empty, this, other);

    /// <summary>Elementwise x == value.</summary>
    public Tensor Eq(double value) => CompareScalar(ComparisonPrimitives.Eq, value);

    /// <summary>Elementwise x != value.</summary>
    public Tensor Ne(double value) => CompareScalar(ComparisonPrimitives.Ne, value);

    /// <summary>Elementwise x &lt; value.</summary>
    public Tensor Lt(double value) => CompareScalar(ComparisonPrimitives.Lt, value);

    /// <summary>Elementwise x &lt;= value.</summary>
    public Tensor Le(double value) => CompareScalar(ComparisonPrimitives.Le, value);

    /// <summary>Elementwise x &gt; value.</summary>
    public Tensor Gt(double value) => CompareScalar(ComparisonPrimitives.Gt, value);

    /// <summary>Elementwise x &gt;= value.</summary>
    public Tensor Ge(double value) => CompareScalar(ComparisonPrimitives.Ge, value);

    /// <summary>Elementwise test for NaN (<c>torch.isnan</c>); false for integer and bool tensors.</summary>
    public Tensor IsNan() => ComparisonPrimitives.IsNan.Invoke(P.Empty, this);

    /// <summary>Elementwise test for ±infinity (<c>torch.isinf</c>).</summary>
    public Tensor IsInf() => ComparisonPrimitives.IsInf.Invoke(P.Empty, this);

    /// <summary>Elementwise test for a finite value, neither NaN nor infinite (<c>torch.isfinite</c>).</summary>
    public Tensor IsFinite() => ComparisonPrimitives.IsFinite.Invoke(P.Empty, this);

    /// <summary>Elementwise a &lt; b.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);

    /// <summary>Elementwise a &gt; b.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);

    /// <summary>Elementwise a &lt;= b.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);

    /// <summary>Elementwise a &gt;= b.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);

    /// <summary>Elementwise x &lt; value.</summary>
    public static Tensor operator <(Tensor a, double b) => a.Lt(b);

    /// <summary>Elementwise x &gt; value.</summary>
    public static Tensor operator >(Tensor a, double b) => a.Gt(b);

    /// <summary>Elementwise x &lt;= value.</summary>
    public static Tensor operator <=(Tensor a, double b) => a.Le(b);

    /// <summary>Elementwise x &gt;= value.</summary>
    public static Tensor operator >=(Tensor a, double b) => a.Ge(b);

    /// <summary>Elementwise value &lt; x.</summary>
    public static Tensor operator <(double a, Tensor b) => b.Gt(a);

    /// <summary>Elementwise value &gt; x.</summary>
    public static Tensor operator >(double a, Tensor b) => b.Lt(a);

    /// <summary>Elementwise value &lt;= x.</summary>
    public static Tensor operator <=(double a, Tensor b) => b.Ge(a);

    /// <summary>Elementwise value &gt;= x.</summary>
    public static Tensor operator >=(double a, Tensor b) => b.Le(a);

    // Compares with a scalar as PyTorch does, in the wider type: for integer tensors a fractional value
    // becomes the equivalent integer test (x < 2.5 ⇔ x < 3; x == 2.5 never holds), and a value beyond the
    // dtype's range or NaN gives a constant answer.
    private Tensor CompareScalar(Primitive op, double value)
    {
        if (DType == DType.Bool && value is not (0 or 1))
            throw OpErrors.Argument(op.Name, $"a bool tensor (shape {Shape}) can only be compared with 0 or 1, got {value}.");
        if (!DType.IsInteger() || value == Math.Floor(value) && InIntegerRange(value))
            return op.Invoke(P.Empty, this, Const(value));
        bool eq = op == ComparisonPrimitives.Eq, ne = op == ComparisonPrimitives.Ne;
        bool below = op == ComparisonPrimitives.Lt || op == ComparisonPrimitives.Le;   // x < v or x <= v
        if (double.IsNaN(value)) return BoolConstant(ne);
        if (eq || ne) return BoolConstant(ne);   // an integer never equals a fractional or out-of-range value
        if (!InIntegerRange(Math.Floor(value)) || !InIntegerRange(Math.Ceiling(value)))
            return BoolConstant(value > 0 ? below : !below);
        bool ceil = op == ComparisonPrimitives.Lt || op == ComparisonPrimitives.Ge;
        return op.Invoke(P.Empty, this, Const(ceil ? Math.Ceiling(value) : Math.Floor(value)));
    }

    private Tensor BoolConstant(bool value) => Full(_shape, value ? 1 : 0, DType.Bool, Device);

    private bool InIntegerRange(double value) => DType switch
    {
        DType.Int32 => value >= int.MinValue && value <= int.MaxValue,
        DType.Int64 => value >= -9.2233720368547758E18 && value < 9.2233720368547758E18,
        _ => true,
    };
}
