namespace Avalon.Backends.Cpu;

/// <summary>
/// The vector operations <see cref="GemmVectorMicroKernel{T, TVector, TOps}"/> needs, for one vector
/// width. Implemented by structs over <see cref="System.Runtime.Intrinsics.Vector256{T}"/> and
/// <see cref="System.Runtime.Intrinsics.Vector512{T}"/>, so the JIT specialises the shared kernel per
/// width and inlines every call: the generated loop is the one a hand-written copy would give.
/// </summary>
/// <typeparam name="TVector">The vector type, e.g. <c>Vector256&lt;T&gt;</c>.</typeparam>
/// <typeparam name="T">float or double.</typeparam>
internal unsafe interface IGemmVector<TVector, T>
    where TVector : struct
    where T : unmanaged
{
    /// <summary>Elements of <typeparamref name="T"/> per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether the hardware has this width and a fused multiply-add for it.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Loads <see cref="Count"/> values from <paramref name="source"/>.</summary>
    static abstract TVector Load(T* source);

    /// <summary>Stores <paramref name="value"/> to <paramref name="destination"/>.</summary>
    static abstract void Store(TVector value, T* destination);

    /// <summary>A vector with every lane set to <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(T value);

    /// <summary>Lane-wise <paramref name="x"/> * <paramref name="y"/>.</summary>
    static abstract TVector Multiply(TVector x, TVector y);

    /// <summary>Lane-wise <paramref name="x"/> + <paramref name="y"/>.</summary>
    static abstract TVector Add(TVector x, TVector y);

    /// <summary>Lane-wise <paramref name="x"/> − <paramref name="y"/>.</summary>
    static abstract TVector Subtract(TVector x, TVector y);

    /// <summary>Lane-wise <paramref name="x"/> * <paramref name="y"/> + <paramref name="acc"/> with one rounding.</summary>
    static abstract TVector MulAdd(TVector x, TVector y, TVector acc);
}
