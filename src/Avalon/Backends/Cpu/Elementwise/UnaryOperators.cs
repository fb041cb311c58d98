using System.Numerics;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// log(1 + x), accurate for small |x|: with u = 1 ⊕ x, log1p(x) = x·log(u)/(u ⊖ 1), which cancels the
/// rounding error of forming 1 + x (D. Goldberg, "What every computer scientist should know about
/// floating-point arithmetic", 1991, Theorem 4). .NET's own LogP1 is log(x + 1) and loses all accuracy
/// near zero.
/// </summary>
internal readonly struct Log1pOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;

    public static T Invoke(T x)
    {
        T u = T.One + x;
        if (u == T.One) return x;
        if (T.IsPositiveInfinity(u)) return u;
        return T.Log(u) * (x / (u - T.One));
    }

    public static Vector256<T> Invoke(Vector256<T> x)
    {
        var one = Vector256<T>.One;
        var u = one + x;
        var r = VectorMath.Log(u) * (x / (u - one));
        r = Vector256.ConditionalSelect(Vector256.Equals(u, one), x, r);
        return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256.Create(T.PositiveInfinity)), u, r);
    }

    public static Vector512<T> Invoke(Vector512<T> x)
    {
        var one = Vector512<T>.One;
        var u = one + x;
        var r = VectorMath.Log(u) * (x / (u - one));
        r = Vector512.ConditionalSelect(Vector512.Equals(u, one), x, r);
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512.Create(T.PositiveInfinity)), u, r);
    }
}

/// <summary>
/// exp(x) - 1, accurate for small |x|: with u = exp(x), expm1(x) = (u ⊖ 1)·x/log(u) (W. Kahan's method,
/// as given in N. J. Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §1.14.1).
/// .NET's own ExpM1 is exp(x) - 1 and loses all accuracy near zero.
/// </summary>
internal readonly struct Expm1Operator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;

    public static T Invoke(T x)
    {
        T u = T.Exp(x);
        if (u == T.One) return x;
        T um1 = u - T.One;
        if (um1 == -T.One || T.IsPositiveInfinity(u)) return um1;
        return um1 * x / T.Log(u);
    }

    public static Vector256<T> Invoke(Vector256<T> x)
    {
        var one = Vector256<T>.One;
        var u = VectorMath.Exp(x);
        var um1 = u - one;
        var r = um1 * x / VectorMath.Log(u);
        r = Vector256.ConditionalSelect(Vector256.Equals(um1, -one) | Vector256.Equals(u, Vector256.Create(T.PositiveInfinity)), um1, r);
        return Vector256.ConditionalSelect(Vector256.Equals(u, one), x, r);
    }

    public static Vector512<T> Invoke(Vector512<T> x)
    {
        var one = Vector512<T>.One;
        var u = VectorMath.Exp(x);
        var um1 = u - one;
        var r = um1 * x / VectorMath.Log(u);
        r = Vector512.ConditionalSelect(Vector512.Equals(um1, -one) | Vector512.Equals(u, Vector512.Create(T.PositiveInfinity)), um1, r);
        return Vector512.ConditionalSelect(Vector512.Equals(u, one), x, r);
    }
}

/// <summary>1 / sqrt(x), exactly rounded division of an exactly rounded root (not a hardware estimate).</summary>
internal readonly struct RsqrtOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorized => true;
    public static T Invoke(T x) => T.One / T.Sqrt(x);
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256<T>.One / Vector256.Sqrt(x);
    public static Vector512<T> Invoke(Vector512<T> x) => Vector512<T>.One / Vector512.Sqrt(x);
}

/// <summary>sign(x): -1, 0 or 1; 0 for NaN and for ±0 (like <c>torch.sign</c>).</summary>
internal readonly struct SignOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Vectorized => true;
    public static T Invoke(T x) => x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;

    public static Vector256<T> Invoke(Vector256<T> x) =>
        (Vector256.GreaterThan(x, Vector256<T>.Zero) & Vector256<T>.One) - (Vector256.LessThan(x, Vector256<T>.Zero) & Vector256<T>.One);

    public static Vector512<T> Invoke(Vector512<T> x) =>
        (Vector512.GreaterThan(x, Vector512<T>.Zero) & Vector512<T>.One) - (Vector512.LessThan(x, Vector512<T>.Zero) & Vector512<T>.One);
}

/// <summary>Logical not of a bool stored as a byte holding 0 or 1.</summary>
internal readonly struct LogicalNotOperator : IUnaryOperator<byte>
{
    public static bool Vectorized => true;
    public static byte Invoke(byte x) => (byte)(x ^ 1);
    public static Vector256<byte> Invoke(Vector256<byte> x) => x ^ Vector256<byte>.One;
    public static Vector512<byte> Invoke(Vector512<byte> x) => x ^ Vector512<byte>.One;
}
