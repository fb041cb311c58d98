using Avalon.Primitives.Elementwise;
using P = Avalon.Primitives.Attributes;

namespace Avalon;

public sealed partial class Tensor
{
    private Tensor Const(double value) => Literal(value, DType, Device);

    /// <summary>
    /// A tensor (0-d unless <paramref name="shape"/> is given) filled with a number written in the code (the <c>2</c> of <c>x * 2</c>): no caller holds
    /// it, so nothing changes it later, and the compiler may fold and simplify with its value.
    /// </summary>
    internal static Tensor Literal(double value, DType dtype, Device device, int[]? shape = null)
    {
        var t = Full(shape ?? [], value, dtype, device);
        t.IsLiteral = true;
        return t;
    }

    /// <summary>Whether this tensor is a <see cref="Literal"/>: a constant no code can reach to change it.</summary>
    internal bool IsLiteral { get; set; }

    /// <summary>Elementwise sum with broadcasting.</summary>
    public Tensor Add(Tensor other) => ArithmeticPrimitives.Add.Invoke(P.Empty, this, other);

    /// <summary>Elementwise difference with broadcasting.</summary>
    public Tensor Sub(Tensor other) => ArithmeticPrimitives.Sub.Invoke(P.Empty, this, other);

    /// <summary>Elementwise product with broadcasting.</summary>
    public Tensor Mul(Tensor other) => ArithmeticPrimitives.Mul.Invoke(P.Empty, this, other);

    /// <summary>Elementwise quotient with broadcasting (integer dtypes truncate).</summary>
    public Tensor Div(Tensor other) => ArithmeticPrimitives.Div.Invoke(P.Empty, this, other);

    /// <summary>Elementwise negation.</summary>
    public Tensor Neg() => ArithmeticPrimitives.Neg.Invoke(P.Empty, this);

    /// <summary>Elementwise e^x.</summary>
    public Tensor Exp() => ArithmeticPrimitives.Exp.Invoke(P.Empty, this);

    /// <summary>Elementwise natural logarithm.</summary>
    public Tensor Log() => ArithmeticPrimitives.Log.Invoke(P.Empty, this);

    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    /// <summary>Adds a scalar (converted to the tensor's dtype).</summary>
    public static Tensor operator +(Tensor a, double b) => a.Add(a.Const(b));

    /// <summary>Adds a scalar (converted to the tensor's dtype).</summary>
    public static Tensor operator +(double a, Tensor b) => b.Const(a).Add(b);

    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => a.Sub(a.Const(b));

    /// <summary>Subtracts from a scalar.</summary>
    public static Tensor operator -(double a, Tensor b) => b.Const(a).Sub(b);

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => a.Mul(a.Const(b));

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => b.Const(a).Mul(b);

    /// <summary>Elementwise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => a.Div(a.Const(b));

    /// <summary>Divides a scalar by each element.</summary>
    public static Tensor operator /(double a, Tensor b) => b.Const(a).Div(b);
}
