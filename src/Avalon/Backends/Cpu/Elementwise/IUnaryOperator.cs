using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// An elementwise function of one value as a struct, so that <see cref="UnaryLoop"/> is specialised per
/// function by the JIT. <see cref="Vectorized"/> false means the vector overloads are never called.
/// </summary>
internal interface IUnaryOperator<T> where T : unmanaged
{
    static abstract bool Vectorized { get; }

    static abstract T Invoke(T x);

    static abstract Vector256<T> Invoke(Vector256<T> x);

    static abstract Vector512<T> Invoke(Vector512<T> x);
}
