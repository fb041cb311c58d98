using System.Runtime.InteropServices;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Shared progress counters of one block of B in a multithreaded GEMM (see
/// <see cref="GemmParallelJob{T, TKernel}"/>): the next packing chunk and tile to hand out, and how
/// many of each are finished. Padded to a cache line so that threads working on neighbouring blocks
/// do not contend for one.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct GemmBlockProgress
{
    /// <summary>Packing chunks handed out so far (the next one is this value).</summary>
    [FieldOffset(0)] public int NextChunk;

    /// <summary>Packing chunks finished.</summary>
    [FieldOffset(4)] public int ChunksPacked;

    /// <summary>Tiles of C handed out so far (the next one is this value).</summary>
    [FieldOffset(8)] public int NextTile;

    /// <summary>Tiles of C finished.</summary>
    [FieldOffset(12)] public int TilesDone;
}
