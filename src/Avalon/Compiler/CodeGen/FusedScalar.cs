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
/// exponent) are computed here by TensorPrimitives too, on a span of one Vector128 filled with the value:
/// TensorPrimitives runs every element of a span of at least one Vector128 through its vector code, tails
/// included (with an overlapping last vector), and only shorter spans through its scalar code, which
/// rounds differently; the <c>Tiny</c> forms are for outputs that short. Functions whose unfused loops
/// have scalar tails (log1p, expm1, erf: <see cref="UnaryLoop"/>) use the operator structs' scalar forms
/// here, and the generated code calls their vector forms' lanes (FusedVector512.Log1pLane, ...) for
/// elements that the unfused loop computes in its vector body.
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

    /// <summary>exp(x) of one element of an output of at least one Vector128 (TensorPrimitives.Exp's vector code).</summary>
    public static T Exp<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Exp<T>(lanes, lanes);
        return lanes[0];
    }

    /// <summary>exp(x) of one element of an output shorter than one Vector128 (TensorPrimitives.Exp's scalar code).</summary>
    public static T ExpTiny<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> one = [x];
        TensorPrimitives.Exp<T>(one, one);
        return one[0];
    }

    /// <summary>log(x) of one element of an output of at least one Vector128 (TensorPrimitives.Log's vector code).</summary>
    public static T Log<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Log<T>(lanes, lanes);
        return lanes[0];
    }

    /// <summary>log(x) of one element of an output shorter than one Vector128 (TensorPrimitives.Log's scalar code).</summary>
    public static T LogTiny<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> one = [x];
        TensorPrimitives.Log<T>(one, one);
        return one[0];
    }

    /// <summary>sin(x) of one element of an output of at least one Vector128 (TensorPrimitives.Sin's vector code).</summary>
    public static T Sin<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Sin<T>(lanes, lanes);
        return lanes[0];
    }

    /// <summary>sin(x) of one element of an output shorter than one Vector128 (TensorPrimitives.Sin's scalar code).</summary>
    public static T SinTiny<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> one = [x];
        TensorPrimitives.Sin<T>(one, one);
        return one[0];
    }

    /// <summary>cos(x) of one element of an output of at least one Vector128 (TensorPrimitives.Cos's vector code).</summary>
    public static T Cos<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Cos<T>(lanes, lanes);
        return lanes[0];
    }

    /// <summary>cos(x) of one element of an output shorter than one Vector128 (TensorPrimitives.Cos's scalar code).</summary>
    public static T CosTiny<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> one = [x];
        TensorPrimitives.Cos<T>(one, one);
        return one[0];
    }

    /// <summary>tanh(x) of one element of an output of at least one Vector128 (TensorPrimitives.Tanh's vector code).</summary>
    public static T Tanh<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Tanh<T>(lanes, lanes);
        return lanes[0];
    }

    /// <summary>tanh(x) of one element of an output shorter than one Vector128 (TensorPrimitives.Tanh's scalar code).</summary>
    public static T TanhTiny<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> one = [x];
        TensorPrimitives.Tanh<T>(one, one);
        return one[0];
    }

    /// <summary>sigmoid(x) of one element of an output of at least one Vector128 (TensorPrimitives.Sigmoid's vector code).</summary>
    public static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Sigmoid<T>(lanes, lanes);
        return lanes[0];
    }

    /// <summary>sigmoid(x) of one element of an output shorter than one Vector128 (TensorPrimitives.Sigmoid's scalar code).</summary>
    public static T SigmoidTiny<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> one = [x];
        TensorPrimitives.Sigmoid<T>(one, one);
        return one[0];
    }

    /// <summary>x ** exponent of one element of an output of at least one Vector128 (TensorPrimitives.Pow's vector code).</summary>
    public static T PowScalar<T>(T x, T exponent) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        lanes.Fill(x);
        TensorPrimitives.Pow<T>(lanes, exponent, lanes);
        return lanes[0];
    }

    /// <summary>x ** exponent of one element of an output shorter than one Vector128 (TensorPrimitives.Pow's scalar code).</summary>
    public static T PowScalarTiny<T>(T x, T exponent) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> one = [x];
        TensorPrimitives.Pow<T>(one, exponent, one);
        return one[0];
    }
}
