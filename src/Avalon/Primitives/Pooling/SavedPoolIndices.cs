using System.Runtime.CompilerServices;
using Avalon.Autodiff;

namespace Avalon.Primitives.Pooling;

/// <summary>
/// The argmax positions a max pooling forward found, kept for its derivative rule so that the backward
/// does not search the windows again. An entry is keyed by the exact output tensor object the forward
/// kernel returned, and remembers the exact input tensor and attributes object of that call: the rule's
/// <c>max_pool_indices(x, y)</c> takes it only when all three match, and otherwise recomputes from x.
/// A replayed tape runs the forward kernel again, which makes a new output and a new entry, so it never
/// meets the indices of an earlier run. Entries die with their output tensor.
/// </summary>
internal static class SavedPoolIndices
{
    private sealed record Entry(Tensor Input, Attributes Attributes, Tensor Indices);

    private static readonly ConditionalWeakTable<Tensor, Entry> s_entries = new();

    /// <summary>
    /// Whether a forward on <paramref name="input"/> may be differentiated: it requires a gradient under
    /// grad mode, or a tape is recording. Only then are indices worth keeping.
    /// </summary>
    public static bool Wanted(Tensor input) =>
        (GradMode.IsEnabled && input.RequiresGrad) || Recorder.ActiveTapes.Count > 0;

    /// <summary>Keeps <paramref name="indices"/> for the forward call (input, attributes) → output.</summary>
    public static void Save(Tensor output, Tensor input, Attributes attributes, Tensor indices) =>
        s_entries.AddOrUpdate(output, new Entry(input, attributes, indices));

    /// <summary>
    /// The indices saved for <paramref name="output"/> when it came from <paramref name="input"/> with
    /// <paramref name="attributes"/> (the same objects), removed from the table so that no two calls
    /// return one indices tensor; null when there are none.
    /// </summary>
    public static Tensor? Take(Tensor output, Tensor input, Attributes attributes)
    {
        if (!s_entries.TryGetValue(output, out var entry)) return null;
        if (!ReferenceEquals(entry.Input, input) || !ReferenceEquals(entry.Attributes, attributes)) return null;
        s_entries.Remove(output);
        return entry.Indices;
    }
}
