using System.Globalization;
using System.Text;

namespace Avalon.Compiler.Memory;

/// <summary>
/// Where every buffer of a compiled tape lives: one arena per dtype and device, and for each buffer an
/// offset in its arena and the positions it is live between. Buffers live at the same time never
/// overlap; others may share memory (<see cref="MemoryPlanner"/>).
/// </summary>
public sealed class MemoryPlan
{
    private readonly Dictionary<int, PlannedBuffer> _byValue = [];
    private readonly Dictionary<int, PlannedBuffer> _scratch = [];

    internal MemoryPlan(IReadOnlyList<ArenaPlan> arenas, IReadOnlyList<PlannedBuffer> buffers, IReadOnlyDictionary<PlannedBuffer, int> scratchOps)
    {
        Arenas = arenas;
        Buffers = buffers;
        foreach (var b in buffers)
        {
            if (scratchOps.TryGetValue(b, out int op)) _scratch[op] = b;
            else _byValue[b.ValueId] = b;
        }
    }

    /// <summary>The arenas, one per dtype and device.</summary>
    public IReadOnlyList<ArenaPlan> Arenas { get; }

    /// <summary>Every planned buffer.</summary>
    public IReadOnlyList<PlannedBuffer> Buffers { get; }

    /// <summary>The arenas' total size in bytes.</summary>
    public long ArenaBytes => Arenas.Sum(a => a.Bytes);

    /// <summary>What the buffers would take without reuse, in bytes.</summary>
    public long BufferBytes => Arenas.Sum(a => a.BufferBytes);

    /// <summary>The buffer owned by value <paramref name="valueId"/>, when it has one (views, inputs bound by reference and constants have none).</summary>
    public bool TryGetBuffer(int valueId, out PlannedBuffer buffer) => _byValue.TryGetValue(valueId, out buffer);

    /// <summary>The scratch buffer of the op at <paramref name="opIndex"/>, when it has one.</summary>
    internal bool TryGetScratch(int opIndex, out PlannedBuffer buffer) => _scratch.TryGetValue(opIndex, out buffer);

    /// <summary>One line per arena: its size against the sum of its buffers.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"memory plan: {Buffers.Count} buffers, arenas {ArenaBytes:N0} bytes for {BufferBytes:N0} bytes of buffers");
        foreach (var a in Arenas)
            sb.Append(CultureInfo.InvariantCulture, $"\n  {a.DType.Name()}@{a.Device}: {a.Bytes:N0} bytes (buffers {a.BufferBytes:N0})");
        return sb.ToString();
    }
}
