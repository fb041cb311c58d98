using System.Numerics;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>a == b (false when either is NaN).</summary>
internal readonly struct EqualOperator<T> : ICompareOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Invoke(T a, T b) => a == b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);
}

/// <summary>a != b (true when either is NaN).</summary>
internal readonly struct NotEqualOperator<T> : ICompareOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Invoke(T a, T b) => a != b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => ~Vector256.Equals(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => ~Vector512.Equals(a, b);
}

/// <summary>a &lt; b.</summary>
internal readonly struct LessThanOperator<T> : ICompareOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Invoke(T a, T b) => a < b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
}

/// <summary>a &lt;= b.</summary>
internal readonly struct LessThanOrEqualOperator<T> : ICompareOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Invoke(T a, T b) => a <= b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.LessThanOrEqual(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(a, b);
}

/// <summary>a &gt; b.</summary>
internal readonly struct GreaterThanOperator<T> : ICompareOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Invoke(T a, T b) => a > b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
}

/// <summary>a &gt;= b.</summary>
internal readonly struct GreaterThanOrEqualOperator<T> : ICompareOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Invoke(T a, T b) => a >= b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b);
}
