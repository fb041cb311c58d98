using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// An elementwise comparison as a struct for <see cref="CompareLoop"/>: a bool per element, and per
/// vector a lane mask (all bits set where true).
/// </summary>
internal interface ICompareOperator<T> where T : unmanaged
{
    static abstract bool Invoke(T a, T b);

    static abstract Vector256<T> Invoke(Vector256<T> a, Vector256<T> b);

    static abstract Vector512<T> Invoke(Vector512<T> a, Vector512<T> b);
}
