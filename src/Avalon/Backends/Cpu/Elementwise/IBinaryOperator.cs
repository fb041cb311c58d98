using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// An elementwise binary operation as a struct, so that <see cref="BinaryLoop"/> is specialised per
/// operation by the JIT (no per-element calls). <see cref="Vectorized"/> false means the vector
/// overloads are never called and the loop stays scalar.
/// </summary>
internal interface IBinaryOperator<T> where T : unmanaged
{
    static abstract bool Vectorized { get; }

    static abstract T Invoke(T a, T b);

    static abstract Vector256<T> Invoke(Vector256<T> a, Vector256<T> b);

    static abstract Vector512<T> Invoke(Vector512<T> a, Vector512<T> b);
}
