namespace Avalon.Backends.Cpu.Memory;

/// <summary>
/// Host arrays whose elements are not zeroed, for kernel outputs that are written in full before they
/// are read. A training step of the Fashion-MNIST CNN (batch 100) allocates about 44 MB of outputs;
/// zeroing them costs roughly 0.05 ms per MB, a few percent of the step (the <c>alloc</c> benchmark).
/// </summary>
/// <remarks>
/// Set the environment variable <c>AVALON_POISON_UNINITIALIZED=1</c> to fill these arrays with a
/// recognisable poison (NaN for floating point, 0xCDCD… for integers, <see langword="true"/> for bool)
/// so that a kernel which reads an element it did not write shows up in its results.
/// </remarks>
internal static class UninitializedArrays
{
    /// <summary>The environment variable that turns poisoning on.</summary>
    public const string PoisonVariable = "AVALON_POISON_UNINITIALIZED";

    /// <summary>Whether new arrays are filled with poison (read once from <see cref="PoisonVariable"/>; tests may set it).</summary>
    public static bool Poison { get; set; } = Environment.GetEnvironmentVariable(PoisonVariable) is "1" or "true";

    /// <summary>The integer poison, a byte pattern that no kernel produces by accident.</summary>
    public const int PoisonInt32 = unchecked((int)0xCDCDCDCD);

    /// <summary>The 64-bit integer poison.</summary>
    public const long PoisonInt64 = unchecked((long)0xCDCDCDCDCDCDCDCD);

    /// <summary>An array of <paramref name="length"/> elements of <paramref name="dtype"/> with unspecified contents.</summary>
    public static Array Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => Allocate(length, float.NaN),
        DType.Float64 => Allocate(length, double.NaN),
        DType.Int32 => Allocate(length, PoisonInt32),
        DType.Int64 => Allocate(length, PoisonInt64),
        DType.Bool => Allocate(length, true),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no host array type for this dtype"),
    };

    /// <summary>An array with unspecified contents, or filled with <paramref name="poison"/> when poisoning is on.</summary>
    public static T[] Allocate<T>(int length, T poison) where T : unmanaged
    {
        // Below the runtime's threshold (a few kilobytes) this is an ordinary zeroed allocation.
        var array = GC.AllocateUninitializedArray<T>(length);
        if (Poison) array.AsSpan().Fill(poison);
        return array;
    }
}
