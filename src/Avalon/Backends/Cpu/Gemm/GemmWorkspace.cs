using System.Runtime.InteropServices;

namespace Avalon.Backends.Cpu;

/// <summary>
/// One thread's packing buffers for the GEMM driver: 64-byte aligned native memory that grows to the
/// largest block seen and is then reused, so steady-state GEMM calls allocate nothing. The finalizer
/// frees the memory once the owning thread has ended and the object is collected.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    private const nuint Alignment = 64;

    [ThreadStatic]
    private static GemmWorkspace? t_current;

    private byte* _packedA;
    private nuint _packedABytes;
    private byte* _packedB;
    private nuint _packedBBytes;

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary>A buffer of at least <paramref name="bytes"/> for packed A; valid until the next call.</summary>
    public byte* PackedA(nuint bytes) => Ensure(ref _packedA, ref _packedABytes, bytes);

    /// <summary>A buffer of at least <paramref name="bytes"/> for packed B; valid until the next call.</summary>
    public byte* PackedB(nuint bytes) => Ensure(ref _packedB, ref _packedBBytes, bytes);

    /// <summary>
    /// <paramref name="buffer"/> (of <paramref name="size"/> bytes, 64-byte aligned native memory) grown to at least
    /// <paramref name="bytes"/>; its contents are not kept when it grows.
    /// </summary>
    internal static byte* Ensure(ref byte* buffer, ref nuint size, nuint bytes)
    {
        if (bytes > size)
        {
            NativeMemory.AlignedFree(buffer);
            buffer = null;
            size = 0;
            buffer = (byte*)NativeMemory.AlignedAlloc(bytes, Alignment);
            size = bytes;
        }

        return buffer;
    }

    ~GemmWorkspace()
    {
        NativeMemory.AlignedFree(_packedA);
        NativeMemory.AlignedFree(_packedB);
    }
}
