namespace Avalon.Data;

/// <summary>
/// A dataset that can build a whole batch straight from its backing arrays, faster than
/// <see cref="IDataset.Get"/> per sample; <see cref="DataLoader"/> uses it when present.
/// </summary>
internal interface IBatchGatherer
{
    /// <summary>
    /// Whether <see cref="Gather"/> can be used now (for example, not when a per-sample transform is set).
    /// </summary>
    bool CanGather { get; }

    /// <summary>The stacked fields for the samples at <paramref name="indices"/>, in order.</summary>
    Tensor[] Gather(ReadOnlySpan<int> indices);
}
