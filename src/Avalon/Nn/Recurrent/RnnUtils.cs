namespace Avalon.Nn;

/// <summary>
/// Packing and padding of variable-length sequences (PyTorch's <c>torch.nn.utils.rnn</c>). Every
/// function is built from recorded tensor operations (unbind, narrow, cat, pad, index_select), so
/// gradients flow through packing and unpacking; the lengths are host values that fix the layout.
/// </summary>
public static class RnnUtils
{
    /// <summary>
    /// Packs a padded batch of sequences (PyTorch's <c>pack_padded_sequence</c>).
    /// </summary>
    /// <param name="input">Shape <c>[T, B, *]</c>, or <c>[B, T, *]</c> with <paramref name="batchFirst"/>.</param>
    /// <param name="lengths">The length of each sequence, between 1 and T.</param>
    /// <param name="batchFirst">Whether the batch is the first dim of <paramref name="input"/>.</param>
    /// <param name="enforceSorted">When true the lengths must be non-increasing (the sequences are packed
    /// as given); when false they are sorted here, and the permutation is kept in the result.</param>
    /// <exception cref="ArgumentException">The lengths do not fit the input, or are not sorted with <paramref name="enforceSorted"/>.</exception>
    public static PackedSequence PackPaddedSequence(Tensor input, long[] lengths, bool batchFirst = false, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(lengths);
        if (input.Rank < 2)
            throw OpErrors.Argument("pack_padded_sequence", $"expected an input of rank 2 or more ([T, B, *] or [B, T, *]), got shape {input.Shape}.", nameof(input));
        var timeMajor = batchFirst ? input.Transpose(0, 1) : input;
        int steps = timeMajor.Size(0), batch = timeMajor.Size(1);
        if (lengths.Length != batch)
            throw OpErrors.Argument(
                "pack_padded_sequence", $"expected {batch} lengths (the batch size of input {input.Shape}{(batchFirst ? ", batch_first" : "")}), got {lengths.Length}.", nameof(lengths));
        foreach (long l in lengths)
        {
            if (l <= 0)
                throw OpErrors.Argument("pack_padded_sequence", "length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0.", nameof(lengths));
            if (l > steps)
                throw OpErrors.Argument("pack_padded_sequence", $"a length of {l} exceeds the {steps} steps of input {input.Shape}{(batchFirst ? " (batch_first)" : "")}.", nameof(lengths));
        }

        Tensor? sortedIndices = null;
        long[] sorted = lengths;
        if (enforceSorted)
        {
            for (int i = 1; i < lengths.Length; i++)
                if (lengths[i] > lengths[i - 1])
                    throw OpErrors.Argument(
                        "pack_padded_sequence", "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforceSorted: false` to sidestep this requirement if you do not need ONNX exportability.",
                        nameof(lengths));
        }
        else
        {
            var order = new long[batch];
            for (int i = 0; i < batch; i++) order[i] = i;
            // Stable, longest first: sequences of equal length keep their relative order.
            order = order.OrderByDescending(i => lengths[i]).ToArray();
            sorted = order.Select(i => lengths[i]).ToArray();
            sortedIndices = Tensor.From(order);
            timeMajor = timeMajor.IndexSelect(1, sortedIndices);
        }

        int maxLength = (int)sorted[0];
        var batchSizes = new long[maxLength];
        for (int t = 0; t < maxLength; t++)
        {
            int b = 0;
            while (b < batch && sorted[b] > t) b++;
            batchSizes[t] = b;
        }

        var featureShape = timeMajor.Shape.ToArray()[2..];
        Tensor data;
        if (maxLength == steps && batchSizes.All(b => b == batch))
        {
            data = timeMajor.Reshape([steps * batch, .. featureShape]);
        }
        else
        {
            var rows = timeMajor.Unbind(0);
            var pieces = new Tensor[maxLength];
            for (int t = 0; t < maxLength; t++)
                pieces[t] = batchSizes[t] == batch ? rows[t] : rows[t].Narrow(0, 0, (int)batchSizes[t]);
            data = Tensor.Cat(pieces, 0);
        }
        return new PackedSequence(data, batchSizes, sortedIndices, sortedIndices is null ? null : PackedSequence.InvertPermutation(sortedIndices));
    }

    /// <summary>Packs a padded batch; <paramref name="lengths"/> is a 1-D integer tensor (see <see cref="PackPaddedSequence(Tensor, long[], bool, bool)"/>).</summary>
    /// <exception cref="ArgumentException">The lengths are not a 1-D integer tensor, or do not fit the input.</exception>
    public static PackedSequence PackPaddedSequence(Tensor input, Tensor lengths, bool batchFirst = false, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Rank != 1 || lengths.DType.IsFloatingPoint())
            throw OpErrors.Argument("pack_padded_sequence", $"expected `lengths` as a 1-D integer tensor, got {lengths.DType.Name()}{lengths.Shape}.", nameof(lengths));
        return PackPaddedSequence(input, lengths.To(DType.Int64).ToArray<long>(), batchFirst, enforceSorted);
    }

    /// <summary>
    /// Unpacks a packed batch into a padded tensor and the lengths (PyTorch's <c>pad_packed_sequence</c>),
    /// in the original batch order.
    /// </summary>
    /// <param name="sequence">The packed batch.</param>
    /// <param name="batchFirst">Whether to return <c>[B, T, *]</c> instead of <c>[T, B, *]</c>.</param>
    /// <param name="paddingValue">The value of the positions past each sequence's end.</param>
    /// <param name="totalLength">Pad to this many steps (at least the longest sequence); null: the longest sequence.</param>
    /// <returns>The padded batch and the int64 lengths.</returns>
    /// <exception cref="ArgumentException"><paramref name="totalLength"/> is shorter than the longest sequence.</exception>
    public static (Tensor Padded, Tensor Lengths) PadPackedSequence(PackedSequence sequence, bool batchFirst = false, double paddingValue = 0,
        int? totalLength = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        int steps = sequence.MaxLength, batch = sequence.BatchSize;
        if (totalLength is int total && total < steps)
            throw OpErrors.Argument(
                "pad_packed_sequence", $"expected total_length to be at least the length of the longest sequence in input, but got total_length={total} and max sequence length being {steps}.",
                nameof(totalLength));
        var pieces = sequence.Data.Split(sequence.BatchSizeArray(), 0);
        int rank = sequence.Data.Rank;
        for (int t = 0; t < steps; t++)
        {
            int b = sequence.BatchSizeList[t];
            if (b < batch) pieces[t] = pieces[t].Pad(PadFirstDim(rank, batch - b), PadMode.Constant, paddingValue);
        }
        var padded = Tensor.Stack(pieces, 0);
        if (totalLength is int length && length > steps)
            padded = padded.Pad(PadFirstDim(rank + 1, length - steps), PadMode.Constant, paddingValue);
        var sortedLengths = sequence.SortedLengths();
        var lengths = sortedLengths;
        if (sequence.UnsortedIndices is { } unsorted)
        {
            padded = padded.IndexSelect(1, unsorted);
            var u = unsorted.ToArray<long>();
            lengths = new long[batch];
            for (int i = 0; i < batch; i++) lengths[i] = sortedLengths[u[i]];
        }
        return (batchFirst ? padded.Transpose(0, 1) : padded, Tensor.From(lengths));
    }

    /// <summary>
    /// Stacks sequences of different lengths into one padded batch (PyTorch's <c>pad_sequence</c>).
    /// </summary>
    /// <param name="sequences">Tensors of shape <c>[L_i, *]</c> with the same trailing shape and dtype.</param>
    /// <param name="batchFirst">Whether to return <c>[B, T, *]</c> instead of <c>[T, B, *]</c>.</param>
    /// <param name="paddingValue">The value past each sequence's end.</param>
    /// <exception cref="ArgumentException">The list is empty or the trailing shapes differ.</exception>
    public static Tensor PadSequence(IReadOnlyList<Tensor> sequences, bool batchFirst = false, double paddingValue = 0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) throw OpErrors.Argument("pad_sequence", "received an empty list of sequences.", nameof(sequences));
        var trailing = TrailingShape(sequences[0]);
        int maxLength = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i];
            if (s.Rank == 0 || !TrailingShape(s).SequenceEqual(trailing))
                throw OpErrors.Argument(
                    "pad_sequence", $"every sequence must have shape [L, {string.Join(", ", trailing)}], like the first one {sequences[0].Shape}; sequence {i} has {s.Shape}.", nameof(sequences));
            maxLength = Math.Max(maxLength, s.Size(0));
        }
        var padded = new Tensor[sequences.Count];
        for (int i = 0; i < padded.Length; i++)
        {
            var s = sequences[i];
            padded[i] = s.Size(0) == maxLength ? s : s.Pad(PadFirstDim(s.Rank, maxLength - s.Size(0)), PadMode.Constant, paddingValue);
        }
        return Tensor.Stack(padded, batchFirst ? 0 : 1);
    }

    /// <summary>
    /// Packs a list of sequences of different lengths (PyTorch's <c>pack_sequence</c>): <see cref="PadSequence"/>
    /// then <see cref="PackPaddedSequence(Tensor, long[], bool, bool)"/>.
    /// </summary>
    /// <param name="sequences">Tensors of shape <c>[L_i, *]</c>.</param>
    /// <param name="enforceSorted">When true the sequences must come longest first.</param>
    /// <exception cref="ArgumentException">The sequences do not fit, or are not sorted with <paramref name="enforceSorted"/>.</exception>
    public static PackedSequence PackSequence(IReadOnlyList<Tensor> sequences, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var lengths = sequences.Select(s => (long)(s.Rank == 0 ? 0 : s.Size(0))).ToArray();
        return PackPaddedSequence(PadSequence(sequences), lengths, batchFirst: false, enforceSorted);
    }

    private static int[] TrailingShape(Tensor t) => t.Rank == 0 ? [] : t.Shape.ToArray()[1..];

    /// <summary>F.pad amounts (last dim first) that add <paramref name="extra"/> elements at the end of dim 0 of a rank-<paramref name="rank"/> tensor.</summary>
    private static int[] PadFirstDim(int rank, int extra)
    {
        var pads = new int[2 * rank];
        pads[^1] = extra;
        return pads;
    }
}
