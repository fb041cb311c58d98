using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Avalon.Backends.Cpu;

/// <summary>
/// 6×(2 vectors) micro-kernel over <see cref="Vector512{T}"/> with FMA: 6×32 for float, 6×16 for
/// double. The loop is <see cref="GemmVectorMicroKernel{T, TVector, TOps}"/>; this struct supplies its
/// 512-bit operations. AVX-512 has 32 vector registers, so the 15 in use leave room for the JIT.
/// </summary>
internal readonly unsafe struct GemmMicroKernel512<T> : IGemmMicroKernel<T>, IGemmVector<Vector512<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Mr => GemmVectorMicroKernel<T, Vector512<T>, GemmMicroKernel512<T>>.Mr;

    public static int Nr => GemmVectorMicroKernel<T, Vector512<T>, GemmMicroKernel512<T>>.Nr;

    public static int Count => Vector512<T>.Count;

    public static bool IsSupported =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Compute(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta) =>
        GemmVectorMicroKernel<T, Vector512<T>, GemmMicroKernel512<T>>.Compute(kc, a, b, c, ldc, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, T* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> x, Vector512<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> x, Vector512<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> x, Vector512<T> y) => x - y;

    /// <summary>x * y + acc with one rounding; the type tests fold away when T is known.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MulAdd(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }
}
