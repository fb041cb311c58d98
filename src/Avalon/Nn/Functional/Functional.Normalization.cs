using Avalon.Autodiff;

namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>A per-channel [C] tensor reshaped to broadcast against [N, C, *] input of rank <paramref name="rank"/>.</summary>
    private static Tensor PerChannel(Tensor t, int rank)
    {
        var shape = new int[rank];
        Array.Fill(shape, 1);
        shape[1] = t.Numel;
        return t.Reshape(shape);
    }

    private static void RequirePerChannel(string op, string name, Tensor? t, int channels)
    {
        if (t is not null && (t.Rank != 1 || t.Shape[0] != channels))
            throw OpErrors.Argument(op, $"expected {name} of shape [{channels}] (one per channel), got {t.Shape}.");
    }

    /// <summary>
    /// (x − mean) / √(var + eps) over <paramref name="dims"/> with the biased variance; also returns the
    /// mean and variance (kept dims) for the running statistics.
    /// </summary>
    private static (Tensor Normalized, Tensor Mean, Tensor Variance) Standardize(Tensor x, int[] dims, double eps)
    {
        var mean = x.Mean(dims, keepDim: true);
        var centered = x - mean;
        var variance = (centered * centered).Mean(dims, keepDim: true);
        return (centered * (variance + eps).Rsqrt(), mean, variance);
    }

    /// <summary>Normalises [N, C, *] <paramref name="input"/> with per-channel running statistics.</summary>
    private static Tensor StandardizeWithRunning(Tensor input, Tensor runningMean, Tensor runningVar, double eps) =>
        (input - PerChannel(runningMean, input.Rank)) * (PerChannel(runningVar, input.Rank) + eps).Rsqrt();

    /// <summary>Applies the optional per-channel scale and shift to [N, C, *] <paramref name="x"/>.</summary>
    private static Tensor PerChannelAffine(Tensor x, Tensor? weight, Tensor? bias)
    {
        if (weight is not null) x = x * PerChannel(weight, x.Rank);
        if (bias is not null) x = x + PerChannel(bias, x.Rank);
        return x;
    }

    /// <summary>
    /// Overwrites <paramref name="target"/> (a running-statistics buffer) with <paramref name="value"/>:
    /// a recorded <c>copy_</c>, so a traced training step updates the statistics on every replay.
    /// </summary>
    private static void Overwrite(Tensor target, Tensor value)
    {
        var v = value.Detach().Reshape(target.Shape.ToArray());
        target.Copy_(v);
    }

    /// <summary>
    /// Batch normalisation over the channel dim 1 of [N, C, *] input (PyTorch's <c>batch_norm</c>):
    /// y = (x − mean) / √(var + eps) · weight + bias.
    /// </summary>
    /// <param name="input">[N, C] or [N, C, *].</param>
    /// <param name="runningMean">[C] running mean, or null; updated in place in training.</param>
    /// <param name="runningVar">[C] running variance, or null; updated in place in training.</param>
    /// <param name="weight">[C] scale, or null.</param>
    /// <param name="bias">[C] shift, or null.</param>
    /// <param name="training">
    /// True: normalise with the batch statistics (biased variance) and move the running statistics towards
    /// them: running = (1 − momentum)·running + momentum·batch, the variance unbiased (n / (n − 1)). False:
    /// normalise with the running statistics.
    /// </param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1).</param>
    /// <param name="eps">Added to the variance for numerical stability (default 1e-5).</param>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null,
        Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
        BatchNorm(input, runningMean, runningVar, weight, bias, training, momentum, null, eps);

    /// <summary>
    /// Batch normalisation whose running-statistics weight is a 0-dim tensor (the cumulative average
    /// 1 / num_batches_tracked computed on the device), so a traced step recomputes it on every replay.
    /// </summary>
    internal static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight,
        Tensor? bias, bool training, double momentum, Tensor? momentumTensor, double eps)
    {
        if (input.Rank < 2)
            throw OpErrors.Argument("batch_norm", $"expected input of at least 2 dims ([N, C, *]), got shape {input.Shape}.");
        int channels = input.Shape[1], rank = input.Rank;
        RequirePerChannel("batch_norm", "running_mean", runningMean, channels);
        RequirePerChannel("batch_norm", "running_var", runningVar, channels);
        RequirePerChannel("batch_norm", "weight", weight, channels);
        RequirePerChannel("batch_norm", "bias", bias, channels);
        var dims = new int[rank - 1];
        for (int i = 1; i < dims.Length; i++) dims[i] = i + 1;

        Tensor normalized;
        if (training)
        {
            long count = channels == 0 ? 0 : input.Numel / channels;
            if (count <= 1)
                throw OpErrors.Argument("batch_norm", $"expected more than 1 value per channel when training, got input size {input.Shape}.");
            (normalized, var mean, var variance) = Standardize(input, dims, eps);
            using (new NoGrad())
            {
                if (momentumTensor is { } m)
                {
                    if (runningMean is not null)
                        Overwrite(runningMean, runningMean * (1 - m) + mean.Detach().Reshape(channels) * m);
                    if (runningVar is not null)
                        Overwrite(runningVar, runningVar * (1 - m) + variance.Detach().Reshape(channels) * (m * ((double)count / (count - 1))));
                }
                else
                {
                    if (runningMean is not null)
                        Overwrite(runningMean, runningMean * (1 - momentum) + mean.Detach().Reshape(channels) * momentum);
                    if (runningVar is not null)
                        Overwrite(runningVar, runningVar * (1 - momentum) + variance.Detach().Reshape(channels) * (momentum * count / (count - 1)));
                }
            }
        }
        else
        {
            if (runningMean is null || runningVar is null)
                throw OpErrors.Argument("batch_norm", "running_mean and running_var must be given when not training (or pass training: true to use batch statistics).");
            normalized = StandardizeWithRunning(input, runningMean, runningVar, eps);
        }
        return PerChannelAffine(normalized, weight, bias);
    }

    /// <summary>
    /// Layer normalisation over the trailing dims <paramref name="normalizedShape"/> (PyTorch's <c>layer_norm</c>):
    /// y = (x − mean) / √(var + eps) · weight + bias with the biased variance.
    /// </summary>
    /// <param name="input">[*, *normalizedShape].</param>
    /// <param name="normalizedShape">The trailing sizes to normalise over.</param>
    /// <param name="weight">Scale of shape normalizedShape, or null.</param>
    /// <param name="bias">Shift of shape normalizedShape, or null.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        int k = normalizedShape.Length;
        if (k == 0 || input.Rank < k || !input.Shape.AsSpan()[^k..].SequenceEqual(normalizedShape))
            throw OpErrors.Argument(
                "layer_norm", $"given normalized_shape={ShapeUtil.Format(normalizedShape)}, expected input with shape [*, {string.Join(", ", normalizedShape)}], but got input of size {input.Shape}.");
        foreach (var (t, name) in new[] { (weight, "weight"), (bias, "bias") })
            if (t is not null && !t.Shape.AsSpan().SequenceEqual(normalizedShape))
                throw OpErrors.Argument("layer_norm", $"expected {name} of shape {ShapeUtil.Format(normalizedShape)}, got {t.Shape}.");
        var dims = Enumerable.Range(input.Rank - k, k).ToArray();
        var normalized = Standardize(input, dims, eps).Normalized;
        if (weight is not null) normalized = normalized * weight;
        if (bias is not null) normalized = normalized + bias;
        return normalized;
    }

    /// <summary>
    /// Group normalisation (PyTorch's <c>group_norm</c>): the channels of [N, C, *] input are split into
    /// <paramref name="numGroups"/> groups, each normalised over its channels and positions; then a per-channel affine.
    /// </summary>
    /// <param name="input">[N, C, *].</param>
    /// <param name="numGroups">Number of groups; divides C.</param>
    /// <param name="weight">[C] scale, or null.</param>
    /// <param name="bias">[C] shift, or null.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    public static Tensor GroupNorm(Tensor input, int numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        if (input.Rank < 2)
            throw OpErrors.Argument("group_norm", $"expected input of at least 2 dims ([N, C, *]), got shape {input.Shape}.");
        int n = input.Shape[0], channels = input.Shape[1];
        if (numGroups < 1 || channels % numGroups != 0)
            throw OpErrors.Argument("group_norm", $"expected number of channels in input ({channels}, shape {input.Shape}) to be divisible by num_groups ({numGroups}).");
        RequirePerChannel("group_norm", "weight", weight, channels);
        RequirePerChannel("group_norm", "bias", bias, channels);
        var grouped = input.Reshape(n, numGroups, -1);
        var normalized = Standardize(grouped, [2], eps).Normalized.Reshape(input.Shape.ToArray());
        return PerChannelAffine(normalized, weight, bias);
    }

    /// <summary>
    /// Instance normalisation (PyTorch's <c>instance_norm</c>): every (sample, channel) plane of [N, C, *] input
    /// is normalised over its positions; then a per-channel affine.
    /// </summary>
    /// <param name="input">[N, C, *spatial].</param>
    /// <param name="runningMean">[C] running mean, or null; updated in place when using input statistics.</param>
    /// <param name="runningVar">[C] running variance, or null; updated in place when using input statistics.</param>
    /// <param name="weight">[C] scale, or null.</param>
    /// <param name="bias">[C] shift, or null.</param>
    /// <param name="useInputStats">True (default): normalise with each plane's own statistics; false: with the running ones.</param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1).</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    public static Tensor InstanceNorm(Tensor input, Tensor? runningMean = null, Tensor? runningVar = null, Tensor? weight = null,
        Tensor? bias = null, bool useInputStats = true, double momentum = 0.1, double eps = 1e-5)
    {
        if (input.Rank < 3)
            throw OpErrors.Argument("instance_norm", $"expected input of at least 3 dims ([N, C, *spatial]), got shape {input.Shape}.");
        int channels = input.Shape[1], rank = input.Rank;
        RequirePerChannel("instance_norm", "weight", weight, channels);
        RequirePerChannel("instance_norm", "bias", bias, channels);
        Tensor normalized;
        if (useInputStats)
        {
            var dims = Enumerable.Range(2, rank - 2).ToArray();
            long count = input.Numel / Math.Max(1, input.Shape[0] * channels);
            if (count <= 1)
                throw OpErrors.Argument("instance_norm", $"expected more than 1 spatial element when training, got input size {input.Shape}.");
            (normalized, var mean, var variance) = Standardize(input, dims, eps);
            using (new NoGrad())
            {
                // PyTorch runs batch norm on [1, N·C, *] and averages the N copies of each channel's running update.
                if (runningMean is not null)
                    Overwrite(runningMean, runningMean * (1 - momentum) + mean.Detach().Reshape(input.Shape[0], channels).Mean(0) * momentum);
                if (runningVar is not null)
                    Overwrite(runningVar, runningVar * (1 - momentum) +
                        variance.Detach().Reshape(input.Shape[0], channels).Mean(0) * (momentum * count / (count - 1)));
            }
        }
        else
        {
            if (runningMean is null || runningVar is null)
                throw OpErrors.Argument("instance_norm", "running_mean and running_var must be given when use_input_stats is false.");
            normalized = StandardizeWithRunning(input, runningMean, runningVar, eps);
        }
        return PerChannelAffine(normalized, weight, bias);
    }
    /// <summary>
    /// Root-mean-square normalisation over the trailing dims <paramref name="normalizedShape"/> (PyTorch 2.4's
    /// <c>F.rms_norm</c>): y = x / √(mean(x²) + eps) · weight.
    /// </summary>
    /// <param name="input">[*, *normalizedShape].</param>
    /// <param name="normalizedShape">The trailing sizes to normalise over.</param>
    /// <param name="weight">Scale of shape normalizedShape, or null.</param>
    /// <param name="eps">Added to the mean square; null for the input dtype's machine epsilon
    /// (<c>torch.finfo(dtype).eps</c>: 2⁻²³ for float32, 2⁻⁵² for float64), as PyTorch.</param>
    public static Tensor RmsNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, double? eps = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        int k = normalizedShape.Length;
        if (k == 0 || input.Rank < k || !input.Shape.AsSpan()[^k..].SequenceEqual(normalizedShape))
            throw OpErrors.Argument(
                "rms_norm", $"given normalized_shape={ShapeUtil.Format(normalizedShape)}, expected input with shape [*, {string.Join(", ", normalizedShape)}], but got input of size {input.Shape}.");
        if (weight is not null && !weight.Shape.AsSpan().SequenceEqual(normalizedShape))
            throw OpErrors.Argument("rms_norm", $"expected weight of shape {ShapeUtil.Format(normalizedShape)}, got {weight.Shape}.");
        if (!input.DType.IsFloatingPoint())
            throw OpErrors.Argument("rms_norm", $"expected a floating-point input, got {input.DType.Name()}{input.Shape}.");
        double e = eps ?? (input.DType == DType.Float64 ? Math.Pow(2, -52) : Math.Pow(2, -23));
        var dims = Enumerable.Range(input.Rank - k, k).ToArray();
        var normalized = input * ((input * input).Mean(dims, keepDim: true) + e).Rsqrt();
        return weight is null ? normalized : normalized * weight;
    }
}
