namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>
    /// Zeroes each element with probability <paramref name="p"/> while <paramref name="training"/> and scales
    /// the rest by 1/(1-p) (<c>torch.nn.functional.dropout</c>); the mask comes from <paramref name="generator"/>.
    /// </summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null) =>
        input.Dropout(p, training, generator);

    /// <summary>
    /// Zeroes whole channels with probability <paramref name="p"/> while training (<c>dropout2d</c>): input
    /// (N, C, H, W) or (C, H, W); one draw per (sample, channel), survivors scaled by 1/(1-p).
    /// </summary>
    public static Tensor Dropout2d(Tensor input, double p = 0.5, bool training = true, Generator? generator = null) =>
        ChannelDropout("dropout2d", input, 3, p, training, generator);

    /// <summary>Channel dropout for (N, C, L) or (C, L) input (<c>dropout1d</c>).</summary>
    public static Tensor Dropout1d(Tensor input, double p = 0.5, bool training = true, Generator? generator = null) =>
        ChannelDropout("dropout1d", input, 2, p, training, generator);

    private static Tensor ChannelDropout(string op, Tensor input, int unbatchedRank, double p, bool training, Generator? generator)
    {
        if (input.Rank != unbatchedRank && input.Rank != unbatchedRank + 1)
            throw OpErrors.Argument(
                op, $"expected an input of rank {unbatchedRank} (unbatched) or {unbatchedRank + 1} (batched), got shape {input.Shape}.");
        if (!(p >= 0 && p <= 1))
            throw OpErrors.Argument(op, $"probability has to be between 0 and 1, but got {p}.");
        if (!training || p == 0) return input;
        // Draw one mask element per channel and broadcast it over the spatial dims.
        int channelDims = input.Rank - (unbatchedRank - 1);
        var maskShape = input.Shape.ToArray();
        for (int i = channelDims; i < maskShape.Length; i++) maskShape[i] = 1;
        var mask = Tensor.Ones(maskShape, input.DType, input.Device).Dropout(p, true, generator);
        return input * mask;
    }
}
