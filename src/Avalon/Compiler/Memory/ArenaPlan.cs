namespace Avalon.Compiler.Memory;

/// <summary>One arena of a memory plan: a single storage of one dtype on one device that holds every buffer of that kind.</summary>
/// <param name="DType">The element type.</param>
/// <param name="Device">The device.</param>
/// <param name="Length">The arena's size in elements.</param>
/// <param name="BufferElements">The sum of the sizes of the buffers it holds (what allocating each separately would take).</param>
public sealed record ArenaPlan(DType DType, Device Device, long Length, long BufferElements)
{
    /// <summary>The arena's size in bytes.</summary>
    public long Bytes => Length * DType.SizeOf();

    /// <summary>The buffers' total size in bytes.</summary>
    public long BufferBytes => BufferElements * DType.SizeOf();
}
