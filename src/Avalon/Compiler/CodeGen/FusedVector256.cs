// The operations of generated fused kernels on Vector256 lanes; generated code calls these (inlined by
// the JIT), so each operation computes exactly what the unfused CPU kernel computes for a vector.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Backends.Cpu.Elementwise;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// The lane operations a generated fused kernel calls on <c>Vector256&lt;T&gt;</c> (T float or double):
/// the same vector math as the unfused CPU kernels: the operator structs, and TensorPrimitives over
/// one vector's lanes for the functions the unfused kernels compute with it (its vector code is not
/// public). Masks are vectors of all-ones lanes.
/// </summary>
internal static class FusedVector256
{
    /// <summary>The lanes data[index ..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load<T>(T[] data, int index) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.LoadUnsafe(ref data[index]);

    /// <summary>Writes the lanes to data[index ..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T[] data, int index, Vector256<T> value) where T : unmanaged, IFloatingPointIeee754<T> => value.StoreUnsafe(ref data[index]);

    /// <summary>Every lane set to value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Splat<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Create(value);

    /// <summary>A mask whose lanes are all value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SplatMask<T>(bool value) where T : unmanaged, IFloatingPointIeee754<T> => value ? Vector256<T>.AllBitsSet : Vector256<T>.Zero;

    /// <summary>A mask of element lanes (all ones where true) from the bools data[index ..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadMask<T>(bool[] data, int index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref byte bytes = ref Unsafe.As<bool, byte>(ref data[index]);
        if (Unsafe.SizeOf<T>() == 4)
        {
            // 8 bytes → 8 × uint32.
            var eight = Vector256.Create(Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(ref bytes)), Vector128<ulong>.Zero).AsByte();
            return (~Vector256.Equals(Vector256.WidenLower(Vector256.WidenLower(eight)), Vector256<uint>.Zero)).As<uint, T>();
        }
        // 4 bytes → 4 × uint64.
        var four = Vector256.Create(Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(ref bytes)), Vector128<uint>.Zero).AsByte();
        Vector256<ulong> wide = Vector256.WidenLower(Vector256.WidenLower(Vector256.WidenLower(four)));
        return (~Vector256.Equals(wide, Vector256<ulong>.Zero)).As<ulong, T>();
    }

    /// <summary>a + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => a + b;

    /// <summary>a - b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sub<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => a - b;

    /// <summary>a * b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Mul<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => a * b;

    /// <summary>a / b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Div<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => a / b;

    /// <summary>max(a, b), NaN propagating (as MaximumOperator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Maximum<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Max(a, b);

    /// <summary>min(a, b), NaN propagating (as MinimumOperator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Minimum<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Min(a, b);

    /// <summary>a ** b lane by lane with T.Pow (as PowOperator, which has no vector form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Pow<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => PowLanes(a, b);

    /// <summary>-x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Neg<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => -x;

    /// <summary>
    /// exp(x). float32: Vector256.Exp, which TensorPrimitives.Exp runs for full vectors (checked bit for bit
    /// over every float32); float64: TensorPrimitives.Exp over one vector's lanes (a span of one full vector
    /// runs the same vector code as the unfused kernel's long span; Vector256.Exp(double) rounds differently).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? VectorMath.Exp(x) : Lanes(x, static (s, d) => TensorPrimitives.Exp<T>(s, d));

    /// <summary>
    /// log(x): Vector256.Log, which TensorPrimitives.Log runs for full vectors (bit for bit over every float32
    /// and sampled float64s), inlined rather than through a span of one vector's lanes (three times slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorMath.Log(x);

    /// <summary>log1p(x) (Log1pOperator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log1p<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Log1pOperator<T>.Invoke(x);

    /// <summary>expm1(x) (Expm1Operator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Expm1<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Expm1Operator<T>.Invoke(x);

    /// <summary>sqrt(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sqrt<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Sqrt(x);

    /// <summary>1 / sqrt(x) (RsqrtOperator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Rsqrt<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => RsqrtOperator<T>.Invoke(x);

    /// <summary>|x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Abs<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Abs(x);

    /// <summary>sign(x) (SignOperator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sign<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => SignOperator<T>.Invoke(x);

    /// <summary>sin(x). Computed by TensorPrimitives.Sin over one vector's lanes: a span of one full vector runs the same vector code as the unfused kernel's long span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sin<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Lanes(x, static (s, d) => TensorPrimitives.Sin<T>(s, d));

    /// <summary>cos(x). Computed by TensorPrimitives.Cos over one vector's lanes: a span of one full vector runs the same vector code as the unfused kernel's long span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Cos<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Lanes(x, static (s, d) => TensorPrimitives.Cos<T>(s, d));

    /// <summary>tanh(x). Computed by TensorPrimitives.Tanh over one vector's lanes: a span of one full vector runs the same vector code as the unfused kernel's long span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Lanes(x, static (s, d) => TensorPrimitives.Tanh<T>(s, d));

    /// <summary>1 / (1 + exp(-x)). Computed by TensorPrimitives.Sigmoid over one vector's lanes: a span of one full vector runs the same vector code as the unfused kernel's long span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Lanes(x, static (s, d) => TensorPrimitives.Sigmoid<T>(s, d));

    /// <summary>erf(x) (ErfOperator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Erf<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => ErfOperator<T>.Invoke(x);

    /// <summary>x * x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Square<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x * x;

    /// <summary>1 / x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Reciprocal<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256<T>.One / x;

    /// <summary>max(x, 0), NaN propagating (as TensorPrimitives.Max(x, 0)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Relu<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Max(x, Vector256<T>.Zero);

    /// <summary>a == b as a lane mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Eq<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Equals(a, b);

    /// <summary>a != b as a lane mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Ne<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => ~Vector256.Equals(a, b);

    /// <summary>a &lt; b as a lane mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Lt<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.LessThan(a, b);

    /// <summary>a &lt;= b as a lane mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Le<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.LessThanOrEqual(a, b);

    /// <summary>a &gt; b as a lane mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Gt<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.GreaterThan(a, b);

    /// <summary>a &gt;= b as a lane mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Ge<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.GreaterThanOrEqual(a, b);

    /// <summary>Logical and of masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> And<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => a & b;

    /// <summary>Logical or of masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Or<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => a | b;

    /// <summary>Logical exclusive or of masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Xor<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => a ^ b;

    /// <summary>Logical not of a mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Not<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => ~x;

    /// <summary>a where the mask is set, else b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Where<T>(Vector256<T> mask, Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.ConditionalSelect(mask, a, b);

    /// <summary>max(x, min) (clamp's lower bound, as TensorPrimitives.Max(x, min)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ClampMin<T>(Vector256<T> x, T min) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Max(x, Vector256.Create(min));

    /// <summary>min(x, max) (clamp's upper bound, as TensorPrimitives.Min(x, max)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ClampMax<T>(Vector256<T> x, T max) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Min(x, Vector256.Create(max));

    /// <summary>x ** exponent through TensorPrimitives.Pow on one vector's lanes (pow_scalar's general case).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> PowScalar<T>(Vector256<T> x, T exponent) where T : unmanaged, IFloatingPointIeee754<T> => Lanes(x, exponent, static (s, e, d) => TensorPrimitives.Pow<T>(s, e, d));

    /// <summary>log1p(x) of one value computed by the vector form (lane 0), as the unfused loop's vector body computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log1pLane<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Log1pOperator<T>.Invoke(Vector256.Create(x)).ToScalar();

    /// <summary>expm1(x) of one value computed by the vector form (lane 0), as the unfused loop's vector body computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Expm1Lane<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Expm1Operator<T>.Invoke(Vector256.Create(x)).ToScalar();

    /// <summary>erf(x) of one value computed by the vector form (lane 0), as the unfused loop's vector body computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ErfLane<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => ErfOperator<T>.Invoke(Vector256.Create(x)).ToScalar();

    private static Vector256<T> PowLanes<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = T.Pow(a.GetElement(i), b.GetElement(i));
        return Vector256.Create<T>(lanes);
    }

    // Runs a TensorPrimitives transform over exactly one vector's lanes: a span of one full vector goes
    // through the same vector code as a long span does (its own vector math is not public, and
    // the public Vector512.Exp(double), for one, rounds differently from it).
    private static Vector256<T> Lanes<T>(Vector256<T> x, SpanTransform<T> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        x.CopyTo(lanes);
        f(lanes, lanes);
        return Vector256.Create<T>(lanes);
    }

    private static Vector256<T> Lanes<T>(Vector256<T> x, T e, PowTransform<T> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        x.CopyTo(lanes);
        f(lanes, e, lanes);
        return Vector256.Create<T>(lanes);
    }
}
