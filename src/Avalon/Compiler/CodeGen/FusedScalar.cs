// The operations of generated fused kernels on single elements (the scalar tails, and the whole loop
// where no vector width is accelerated).
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Backends.Cpu.Elementwise;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// The element operations a generated fused kernel calls on single values (T float or double; masks are
/// bools). Exact IEEE operations are the scalar operators of the unfused kernels. Functions that the
/// unfused kernels compute through TensorPrimitives (exp, log, sin, cos, tanh, sigmoid, pow with a scalar
/// exponent) are computed here with the same vector code on one Vector128 (whose lanes give the same
/// results as the wider vectors), because TensorPrimitives runs every element of a span of at least one
/// vector through its vector code, tails included (with an overlapping last vector); their scalar
/// functions round differently. Functions whose unfused kernels have scalar tails (log1p, expm1, erf,
/// rsqrt, sign: <see cref="UnaryLoop"/>) use the operator structs' scalar forms, as those tails do.
/// </summary>
internal static class FusedScalar
{
    /// <summary>data[index].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load<T>(T[] data, int index) where T : unmanaged, IFloatingPointIeee754<T> => data[index];

    /// <summary>data[index] = value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T[] data, int index, T value) where T : unmanaged, IFloatingPointIeee754<T> => data[index] = value;

    /// <summary>value (the scalar form of a broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Splat<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> => value;

    /// <summary>value (the scalar form of a broadcast mask).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SplatMask<T>(bool value) where T : unmanaged, IFloatingPointIeee754<T> => value;

    /// <summary>data[index].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LoadMask<T>(bool[] data, int index) where T : unmanaged, IFloatingPointIeee754<T> => data[index];

    /// <summary>a + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a + b;

    /// <summary>a - b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sub<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a - b;

    /// <summary>a * b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Mul<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a * b;

    /// <summary>a / b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Div<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a / b;

    /// <summary>max(a, b), NaN propagating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Maximum<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.Max(a, b);

    /// <summary>min(a, b), NaN propagating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Minimum<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.Min(a, b);

    /// <summary>a ** b (T.Pow, as PowOperator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Pow<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(a, b);

    /// <summary>-x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Neg<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => -x;

    /// <summary>exp(x) by the vector exp (see the class remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? (T)(object)Vector128.Exp(Vector128.CreateScalar((float)(object)x)).ToScalar()
                                   : (T)(object)Vector128.Exp(Vector128.CreateScalar((double)(object)x)).ToScalar();

    /// <summary>log(x) by the vector log.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? (T)(object)Vector128.Log(Vector128.CreateScalar((float)(object)x)).ToScalar()
                                   : (T)(object)Vector128.Log(Vector128.CreateScalar((double)(object)x)).ToScalar();

    /// <summary>log1p(x) (Log1pOperator's scalar form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log1p<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Log1pOperator<T>.Invoke(x);

    /// <summary>expm1(x) (Expm1Operator's scalar form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Expm1<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Expm1Operator<T>.Invoke(x);

    /// <summary>sqrt(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sqrt<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);

    /// <summary>1 / sqrt(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Rsqrt<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => RsqrtOperator<T>.Invoke(x);

    /// <summary>|x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Abs<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x);

    /// <summary>sign(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sign<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => SignOperator<T>.Invoke(x);

    /// <summary>sin(x) by the vector sin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sin<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? (T)(object)Vector128.Sin(Vector128.CreateScalar((float)(object)x)).ToScalar()
                                   : (T)(object)Vector128.Sin(Vector128.CreateScalar((double)(object)x)).ToScalar();

    /// <summary>cos(x) by the vector cos.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Cos<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? (T)(object)Vector128.Cos(Vector128.CreateScalar((float)(object)x)).ToScalar()
                                   : (T)(object)Vector128.Cos(Vector128.CreateScalar((double)(object)x)).ToScalar();

    /// <summary>tanh(x) through TensorPrimitives.Tanh on one Vector128's lanes.</summary>
    public static T Tanh<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Tanh<T>(lanes, lanes);
        return lanes[0];
    }

    /// <summary>1 / (1 + exp(-x)) with the vector exp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + Exp(-x));

    /// <summary>erf(x) (ErfOperator's scalar form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => ErfOperator<T>.Invoke(x);

    /// <summary>x * x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Square<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x * x;

    /// <summary>1 / x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Reciprocal<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / x;

    /// <summary>max(x, 0), NaN propagating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Relu<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Max(x, T.Zero);

    /// <summary>a == b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Eq<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a == b;

    /// <summary>a != b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Ne<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a != b;

    /// <summary>a &lt; b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Lt<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a < b;

    /// <summary>a &lt;= b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Le<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a <= b;

    /// <summary>a &gt; b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Gt<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a > b;

    /// <summary>a &gt;= b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Ge<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a >= b;

    /// <summary>a and b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool And<T>(bool a, bool b) where T : unmanaged, IFloatingPointIeee754<T> => a & b;

    /// <summary>a or b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Or<T>(bool a, bool b) where T : unmanaged, IFloatingPointIeee754<T> => a | b;

    /// <summary>a xor b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Xor<T>(bool a, bool b) where T : unmanaged, IFloatingPointIeee754<T> => a ^ b;

    /// <summary>not x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Not<T>(bool x) where T : unmanaged, IFloatingPointIeee754<T> => !x;

    /// <summary>a where mask, else b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Where<T>(bool mask, T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => mask ? a : b;

    /// <summary>max(x, min).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ClampMin<T>(T x, T min) where T : unmanaged, IFloatingPointIeee754<T> => T.Max(x, min);

    /// <summary>min(x, max).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ClampMax<T>(T x, T max) where T : unmanaged, IFloatingPointIeee754<T> => T.Min(x, max);

    /// <summary>x ** exponent through TensorPrimitives.Pow on one Vector128's lanes.</summary>
    public static T PowScalar<T>(T x, T exponent) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Pow<T>(lanes, exponent, lanes);
        return lanes[0];
    }
}
