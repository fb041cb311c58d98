namespace Avalon.Data;

/// <summary>Functions over datasets, as in <c>torch.utils.data</c>.</summary>
public static class Datasets
{
    /// <summary>
    /// Splits <paramref name="dataset"/> into non-overlapping random subsets of the given lengths
    /// (PyTorch's <c>random_split</c>): the samples are permuted with <see cref="Tensor.Randperm"/> drawn from
    /// <paramref name="generator"/>, then cut in order.
    /// </summary>
    /// <param name="dataset">The dataset to split.</param>
    /// <param name="lengths">The subsets' sizes, non-negative and summing to <c>dataset.Count</c>.</param>
    /// <param name="generator">The random source of the permutation; <see cref="Generator.Default"/> when null.</param>
    /// <returns>One <see cref="Subset"/> per length, in order.</returns>
    /// <exception cref="ArgumentException">A negative length, or lengths that do not sum to the dataset's size.</exception>
    public static Subset[] RandomSplit(IDataset dataset, IReadOnlyList<int> lengths, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(lengths);
        long sum = 0;
        foreach (int length in lengths)
        {
            if (length < 0)
                throw OpErrors.Argument("random_split", $"lengths must be non-negative, got [{string.Join(", ", lengths)}].", nameof(lengths));
            sum += length;
        }
        if (sum != dataset.Count)
            throw OpErrors.Argument("random_split",
                $"sum of input lengths [{string.Join(", ", lengths)}] is {sum}, which does not equal the length of the input dataset ({dataset.Count}).",
                nameof(lengths));
        var permutation = Tensor.Randperm(dataset.Count, generator).ToArray<long>();
        var subsets = new Subset[lengths.Count];
        int offset = 0;
        for (int k = 0; k < subsets.Length; k++)
        {
            var indices = new int[lengths[k]];
            for (int i = 0; i < indices.Length; i++) indices[i] = (int)permutation[offset + i];
            offset += indices.Length;
            subsets[k] = new Subset(dataset, indices);
        }
        return subsets;
    }

    /// <summary>
    /// Splits <paramref name="dataset"/> into random subsets of the given fractions of its size (PyTorch's
    /// <c>random_split</c> with fractions): each subset gets ⌊fraction · Count⌋ samples, and the remainder is
    /// handed out one sample at a time, round-robin from the first subset.
    /// </summary>
    /// <param name="dataset">The dataset to split.</param>
    /// <param name="fractions">Fractions in [0, 1] summing to 1 (within 1e-6).</param>
    /// <param name="generator">The random source of the permutation; <see cref="Generator.Default"/> when null.</param>
    /// <returns>One <see cref="Subset"/> per fraction, in order.</returns>
    /// <exception cref="ArgumentException">A fraction outside [0, 1], or fractions that do not sum to 1.</exception>
    public static Subset[] RandomSplit(IDataset dataset, IReadOnlyList<double> fractions, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(fractions);
        var shown = string.Join(", ", fractions.Select(f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        if (fractions.Any(f => !(f >= 0 && f <= 1)))
            throw OpErrors.Argument("random_split", $"fractions must be in [0, 1], got [{shown}].", nameof(fractions));
        if (Math.Abs(fractions.Sum() - 1) > 1e-6)
            throw OpErrors.Argument("random_split", $"fractions must sum to 1, got [{shown}] (sum {fractions.Sum():R}).", nameof(fractions));
        var lengths = fractions.Select(f => (int)Math.Floor(dataset.Count * f)).ToArray();
        int remainder = dataset.Count - lengths.Sum();
        for (int i = 0; i < remainder; i++) lengths[i % lengths.Length]++;
        return RandomSplit(dataset, lengths, generator);
    }
}
