using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Avalon.Backends.Cpu;

/// <summary>
/// 6×(2 vectors) micro-kernel over <see cref="Vector256{T}"/> with FMA: 6×16 for float, 6×8 for
/// double. The loop is <see cref="GemmVectorMicroKernel{T, TVector, TOps}"/>; this struct supplies its
/// 256-bit operations. 15 of the 16 ymm registers are in use.
/// </summary>
internal readonly unsafe struct GemmMicroKernel256<T> : IGemmMicroKernel<T>, IGemmVector<Vector256<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Mr => GemmVectorMicroKernel<T, Vector256<T>, GemmMicroKernel256<T>>.Mr;

    public static int Nr => GemmVectorMicroKernel<T, Vector256<T>, GemmMicroKernel256<T>>.Nr;

    public static int Count => Vector256<T>.Count;

    public static bool IsSupported =>
        Vector256.IsHardwareAccelerated && Fma.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Compute(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta) =>
        GemmVectorMicroKernel<T, Vector256<T>, GemmMicroKernel256<T>>.Compute(kc, a, b, c, ldc, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, T* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> x, Vector256<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> x, Vector256<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> x, Vector256<T> y) => x - y;

    /// <summary>x * y + acc with one rounding; the type tests fold away when T is known.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MulAdd(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }
}
