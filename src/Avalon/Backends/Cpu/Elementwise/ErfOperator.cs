using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// The error function, branch-free so it vectorises. Rational approximations from the Cephes Math
/// Library (S. L. Moshier, ndtr.c, release 2.9, 2000):
/// erf(x) = x·T(x²)/U(x²) for |x| ≤ 1 (peak relative error 3.7e-16), and
/// erf(x) = 1 - exp(-x²)·P(|x|)/Q(|x|) for 1 &lt; |x| &lt; 8 (erfc peak relative error 1.3e-15, so the
/// absolute error of erf stays below 1e-16 · erfc(1) ≈ 2e-17 there). Both branches are evaluated and
/// blended; |x| is clamped to 6 in the second, beyond which erfc(x) &lt; 2.2e-17 rounds 1 - erfc to 1.
/// float32 is evaluated in float64 and rounded once, so its error is the final rounding (≤ 6e-8).
/// </summary>
internal readonly struct ErfOperator<T> : IUnaryOperator<T> where T : unmanaged
{
    // erf numerator/denominator on [0, 1] in x², and erfc numerator/denominator on [1, 8] in |x|.
    // Highest power first; U and Q have an implicit leading 1 (Cephes p1evl).
    private const double T0 = 9.60497373987051638749E0, T1 = 9.00260197203842689217E1, T2 = 2.23200534594684319226E3,
        T3 = 7.00332514112805075473E3, T4 = 5.55923013010394962768E4;
    private const double U0 = 3.35617141647503099647E1, U1 = 5.21357949780152679795E2, U2 = 4.59432382970980127987E3,
        U3 = 2.26290000613890934246E4, U4 = 4.92673942608635921086E4;
    private const double P0 = 2.46196981473530512524E-10, P1 = 5.64189564831068821977E-1, P2 = 7.46321056442269912687E0,
        P3 = 4.86371970985681366614E1, P4 = 1.96520832956077098242E2, P5 = 5.26445194995477358631E2,
        P6 = 9.34528527171957607540E2, P7 = 1.02755188689515710272E3, P8 = 5.57535335369399327526E2;
    private const double Q0 = 1.32281951154744992508E1, Q1 = 8.67072140885989742329E1, Q2 = 3.54937778887819891062E2,
        Q3 = 9.75708501743205489753E2, Q4 = 1.82390916687909736289E3, Q5 = 2.24633760818710981792E3,
        Q6 = 1.65666309194161350182E3, Q7 = 5.57535340817727675546E2;
    private const double Clamp = 6.0;

    public static bool Vectorized => true;

    public static T Invoke(T x)
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>((float)Erf(Unsafe.BitCast<T, float>(x)));
        return Unsafe.BitCast<double, T>(Erf(Unsafe.BitCast<T, double>(x)));
    }

    public static Vector256<T> Invoke(Vector256<T> x)
    {
        if (typeof(T) == typeof(float))
        {
            var (lo, hi) = Vector256.Widen(x.AsSingle());
            return Vector256.Narrow(Erf(lo), Erf(hi)).As<float, T>();
        }
        return Erf(x.AsDouble()).As<double, T>();
    }

    public static Vector512<T> Invoke(Vector512<T> x)
    {
        if (typeof(T) == typeof(float))
        {
            var (lo, hi) = Vector512.Widen(x.AsSingle());
            return Vector512.Narrow(Erf(lo), Erf(hi)).As<float, T>();
        }
        return Erf(x.AsDouble()).As<double, T>();
    }

    /// <summary>Scalar erf in float64, the same formulas as the vector path.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax <= 1)
        {
            double z = x * x;
            return x * Small(z) / SmallDenominator(z);
        }
        double a = Math.Min(ax, Clamp);
        double r = 1 - Math.Exp(-a * a) * Large(a) / LargeDenominator(a);
        return x < 0 ? -r : r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Erf(Vector256<double> x)
    {
        var one = Vector256<double>.One;
        var ax = Vector256.Abs(x);
        var z = x * x;
        var small = x * Small(z) / SmallDenominator(z);
        var a = Vector256.Min(Vector256.Max(ax, one), Vector256.Create(Clamp));
        var large = one - Vector256.Exp(-a * a) * Large(a) / LargeDenominator(a);
        large |= x & Vector256.Create(-0.0);   // copy the sign of x (large is ≥ 0)
        var r = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(ax, one), small, large);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), r, x);   // NaN stays NaN
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Erf(Vector512<double> x)
    {
        var one = Vector512<double>.One;
        var ax = Vector512.Abs(x);
        var z = x * x;
        var small = x * Small(z) / SmallDenominator(z);
        var a = Vector512.Min(Vector512.Max(ax, one), Vector512.Create(Clamp));
        var large = one - Vector512.Exp(-a * a) * Large(a) / LargeDenominator(a);
        large |= x & Vector512.Create(-0.0);
        var r = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(ax, one), small, large);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), r, x);
    }

    // Horner evaluations, written out so the scalar and vector paths share coefficients and order.
    private static double Small(double z) => (((T0 * z + T1) * z + T2) * z + T3) * z + T4;
    private static double SmallDenominator(double z) => ((((z + U0) * z + U1) * z + U2) * z + U3) * z + U4;
    private static double Large(double a) => (((((((P0 * a + P1) * a + P2) * a + P3) * a + P4) * a + P5) * a + P6) * a + P7) * a + P8;
    private static double LargeDenominator(double a) => ((((((((a + Q0) * a + Q1) * a + Q2) * a + Q3) * a + Q4) * a + Q5) * a + Q6) * a + Q7);

    private static Vector256<double> Small(Vector256<double> z) => (((T0 * z + V(T1)) * z + V(T2)) * z + V(T3)) * z + V(T4);
    private static Vector256<double> SmallDenominator(Vector256<double> z) => ((((z + V(U0)) * z + V(U1)) * z + V(U2)) * z + V(U3)) * z + V(U4);
    private static Vector256<double> Large(Vector256<double> a) =>
        (((((((P0 * a + V(P1)) * a + V(P2)) * a + V(P3)) * a + V(P4)) * a + V(P5)) * a + V(P6)) * a + V(P7)) * a + V(P8);
    private static Vector256<double> LargeDenominator(Vector256<double> a) =>
        (((((((a + V(Q0)) * a + V(Q1)) * a + V(Q2)) * a + V(Q3)) * a + V(Q4)) * a + V(Q5)) * a + V(Q6)) * a + V(Q7);
    private static Vector256<double> V(double c) => Vector256.Create(c);

    private static Vector512<double> Small(Vector512<double> z) => (((T0 * z + W(T1)) * z + W(T2)) * z + W(T3)) * z + W(T4);
    private static Vector512<double> SmallDenominator(Vector512<double> z) => ((((z + W(U0)) * z + W(U1)) * z + W(U2)) * z + W(U3)) * z + W(U4);
    private static Vector512<double> Large(Vector512<double> a) =>
        (((((((P0 * a + W(P1)) * a + W(P2)) * a + W(P3)) * a + W(P4)) * a + W(P5)) * a + W(P6)) * a + W(P7)) * a + W(P8);
    private static Vector512<double> LargeDenominator(Vector512<double> a) =>
        (((((((a + W(Q0)) * a + W(Q1)) * a + W(Q2)) * a + W(Q3)) * a + W(Q4)) * a + W(Q5)) * a + W(Q6)) * a + W(Q7);
    private static Vector512<double> W(double c) => Vector512.Create(c);
}
