namespace Avalon.Data;

/// <summary>
/// A map-style dataset (PyTorch's <c>torch.utils.data.Dataset</c>): a fixed number of samples,
/// each reachable by index.
/// </summary>
/// <remarks>
/// A <see cref="DataLoader"/> may call <see cref="Get"/> from a background thread (one at a time, in
/// batch order), so an implementation must not depend on the calling thread.
/// </remarks>
public interface IDataset
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>The sample at <paramref name="index"/>, in <c>[0, Count)</c>.</summary>
    /// <param name="index">The sample index.</param>
    Sample Get(int index);
}
