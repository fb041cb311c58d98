using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// What BatchNormNd and InstanceNormNd share (PyTorch's <c>_NormBase</c>): the optional per-channel affine
/// parameters and running statistics, with their checks and resets.
/// </summary>
/// <remarks><para><b>Initialisation:</b> weight 1, bias 0, running mean 0, running variance 1.</para></remarks>
public abstract class NormBase : Module
{
    private protected NormBase(string name, int numFeatures, double eps, bool affine, bool trackRunningStats, DType? dtype)
    {
        if (numFeatures < 1) throw OpErrors.Argument(name, $"num_features must be positive, got {numFeatures}.");
        NumFeatures = numFeatures;
        Eps = eps;
        Affine = affine;
        TrackRunningStats = trackRunningStats;
        var dt = dtype ?? Tensor.DefaultDType;
        Weight = affine ? Tensor.Ones([numFeatures], dt).RequiresGrad_() : null;
        Bias = affine ? Tensor.Zeros([numFeatures], dt).RequiresGrad_() : null;
        if (trackRunningStats)
        {
            RunningMean = Tensor.Zeros([numFeatures], dt);
            RunningVar = Tensor.Ones([numFeatures], dt);
            NumBatchesTracked = Tensor.Zeros([], DType.Int64);
        }
    }

    /// <summary>Number of channels C.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>Whether the layer has a learnable per-channel scale and shift.</summary>
    public bool Affine { get; }

    /// <summary>Whether running statistics are kept (and used in evaluation).</summary>
    public bool TrackRunningStats { get; }

    /// <summary>Per-channel scale [C], or null without affine.</summary>
    public Tensor? Weight { get; set; }

    /// <summary>Per-channel shift [C], or null without affine.</summary>
    public Tensor? Bias { get; set; }

    /// <summary>Running mean [C], or null without running statistics.</summary>
    [Buffer]
    public Tensor? RunningMean { get; set; }

    /// <summary>Running (unbiased) variance [C], or null without running statistics.</summary>
    [Buffer]
    public Tensor? RunningVar { get; set; }

    /// <summary>Number of training batches seen (int64 scalar), or null without running statistics.</summary>
    [Buffer]
    public Tensor? NumBatchesTracked { get; set; }

    /// <summary>Resets the running statistics to mean 0, variance 1 and no batches.</summary>
    public void ResetRunningStats()
    {
        RunningMean?.FillNoRecord(0);
        RunningVar?.FillNoRecord(1);
        NumBatchesTracked?.FillNoRecord(0);
    }

    /// <summary>Resets the running statistics and the affine parameters (weight 1, bias 0).</summary>
    public void ResetParameters()
    {
        ResetRunningStats();
        Weight?.FillNoRecord(1);
        Bias?.FillNoRecord(0);
    }
}

/// <summary>
/// What BatchNorm1d/2d/3d share (PyTorch's <c>_BatchNorm</c>): per-channel affine parameters and running
/// statistics, updated in training exactly as PyTorch does.
/// </summary>
/// <remarks>
/// <para>In training the batch statistics normalise the input (biased variance) and the running ones move
/// towards them: running = (1 − momentum)·running + momentum·batch with the unbiased variance; with
/// momentum null the running statistics are the cumulative average over
/// <see cref="NormBase.NumBatchesTracked"/> batches. In evaluation the running statistics normalise the input.</para>
/// <para><b>Initialisation:</b> weight 1, bias 0, running mean 0, running variance 1.</para>
/// </remarks>
public abstract class BatchNormNd : NormBase
{
    private readonly string _name;
    private readonly int[] _ranks;

    /// <summary>Creates the layer (for subclasses: BatchNorm1d/2d/3d here, SyncBatchNorm in Avalon.Distributed).</summary>
    /// <param name="name">The layer's name in error messages (<c>BatchNorm2d</c>).</param>
    /// <param name="ranks">The input ranks <see cref="Forward"/> accepts (<c>[4]</c> for BatchNorm2d).</param>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="momentum">Weight of the batch statistics in the running update; null: cumulative average.</param>
    /// <param name="affine">Learn a per-channel scale and shift.</param>
    /// <param name="trackRunningStats">Keep running statistics and use them in evaluation.</param>
    /// <param name="dtype">The dtype of parameters and statistics (default <see cref="Tensor.DefaultDType"/>).</param>
    protected BatchNormNd(string name, int[] ranks, int numFeatures, double eps, double? momentum, bool affine,
        bool trackRunningStats, DType? dtype)
        : base(name, numFeatures, eps, affine, trackRunningStats, dtype)
    {
        _name = name;
        _ranks = ranks;
        Momentum = momentum;
    }

    /// <summary>Weight of the batch statistics in the running update; null for a cumulative average.</summary>
    public double? Momentum { get; }

    /// <summary>Normalises the input (see the class remarks).</summary>
    /// <param name="input">[N, C, *] of the rank this layer accepts.</param>
    public override Tensor Forward(Tensor input)
    {
        if (Array.IndexOf(_ranks, input.Rank) < 0)
            throw OpErrors.Argument(
                _name, $"expected {string.Join(" or ", _ranks.Select(r => r + "D"))} input (got {input.Rank}D input of shape {input.Shape}).");
        double factor = Momentum ?? 0.0;
        Tensor? cumulative = null;
        if (Training && TrackRunningStats && NumBatchesTracked is not null)
        {
            // Recorded in-place updates, so a traced training step counts on replay too; the cumulative
            // average (momentum None) is 1 / count computed as a tensor, never read back to the host.
            NumBatchesTracked.Add_(1);
            if (Momentum is null) cumulative = NumBatchesTracked.To(RunningMean?.DType ?? input.DType).Reciprocal();
        }
        bool useBatchStats = Training || (RunningMean is null && RunningVar is null);
        bool update = !Training || TrackRunningStats;
        return Functional.BatchNorm(input, update ? RunningMean : null, update ? RunningVar : null, Weight, Bias, useBatchStats, factor, cumulative, Eps);
    }

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"{NumFeatures}, eps={PythonRepr.Float(Eps)}, momentum={(Momentum is double m ? PythonRepr.Float(m) : "None")}, " +
        $"affine={PythonRepr.Bool(Affine)}, track_running_stats={PythonRepr.Bool(TrackRunningStats)}";
}

/// <summary>Batch normalisation over [N, C] or [N, C, L] input (PyTorch's <c>nn.BatchNorm1d</c>).</summary>
/// <remarks><para><b>Shape:</b> input [N, C] or [N, C, L]; output the same.</para></remarks>
public class BatchNorm1d : BatchNormNd
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1; null: cumulative average).</param>
    /// <param name="affine">Learn a per-channel scale and shift (default true).</param>
    /// <param name="trackRunningStats">Keep running statistics and use them in evaluation (default true).</param>
    /// <param name="dtype">The dtype of parameters and statistics (default <see cref="Tensor.DefaultDType"/>).</param>
    public BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true,
        DType? dtype = null) : base("BatchNorm1d", [2, 3], numFeatures, eps, momentum, affine, trackRunningStats, dtype) { }
}

/// <summary>Batch normalisation over [N, C, H, W] input (PyTorch's <c>nn.BatchNorm2d</c>).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, H, W]; output the same.</para></remarks>
public class BatchNorm2d : BatchNormNd
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1; null: cumulative average).</param>
    /// <param name="affine">Learn a per-channel scale and shift (default true).</param>
    /// <param name="trackRunningStats">Keep running statistics and use them in evaluation (default true).</param>
    /// <param name="dtype">The dtype of parameters and statistics (default <see cref="Tensor.DefaultDType"/>).</param>
    public BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true,
        DType? dtype = null) : base("BatchNorm2d", [4], numFeatures, eps, momentum, affine, trackRunningStats, dtype) { }
}

/// <summary>Batch normalisation over [N, C, D, H, W] input (PyTorch's <c>nn.BatchNorm3d</c>).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, D, H, W]; output the same.</para></remarks>
public class BatchNorm3d : BatchNormNd
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1; null: cumulative average).</param>
    /// <param name="affine">Learn a per-channel scale and shift (default true).</param>
    /// <param name="trackRunningStats">Keep running statistics and use them in evaluation (default true).</param>
    /// <param name="dtype">The dtype of parameters and statistics (default <see cref="Tensor.DefaultDType"/>).</param>
    public BatchNorm3d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true,
        DType? dtype = null) : base("BatchNorm3d", [5], numFeatures, eps, momentum, affine, trackRunningStats, dtype) { }
}

/// <summary>
/// What InstanceNorm1d/2d/3d share (PyTorch's <c>_InstanceNorm</c>): every (sample, channel) plane is
/// normalised over its positions; optional per-channel affine and running statistics (both off by default).
/// </summary>
public abstract class InstanceNormNd : NormBase
{
    private readonly string _name;
    private readonly int _spatial;

    private protected InstanceNormNd(string name, int spatial, int numFeatures, double eps, double momentum, bool affine,
        bool trackRunningStats, DType? dtype)
        : base(name, numFeatures, eps, affine, trackRunningStats, dtype)
    {
        _name = name;
        _spatial = spatial;
        Momentum = momentum;
    }

    /// <summary>Weight of the batch statistics in the running update.</summary>
    public double Momentum { get; }

    /// <summary>Normalises the input.</summary>
    /// <param name="input">[N, C, *spatial] or unbatched [C, *spatial].</param>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != _spatial + 1 && input.Rank != _spatial + 2)
            throw OpErrors.Argument(_name, $"expected {_spatial + 1}D (unbatched) or {_spatial + 2}D (batched) input, got {input.Rank}D input of shape {input.Shape}.");
        if (input.Rank == _spatial + 1) return Forward(input.Unsqueeze(0)).Squeeze(0);
        if (input.Shape[1] != NumFeatures && Affine)
            throw OpErrors.Argument(_name, $"expected input's size at dim 1 to match num_features ({NumFeatures}), but got input of shape {input.Shape}.");
        return InstanceNorm(input, RunningMean, RunningVar, Weight, Bias, Training || !TrackRunningStats, Momentum, Eps);
    }

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"{NumFeatures}, eps={PythonRepr.Float(Eps)}, momentum={PythonRepr.Float(Momentum)}, " +
        $"affine={PythonRepr.Bool(Affine)}, track_running_stats={PythonRepr.Bool(TrackRunningStats)}";
}

/// <summary>Instance normalisation over [N, C, L] input (PyTorch's <c>nn.InstanceNorm1d</c>).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, L] or [C, L]; output the same.</para></remarks>
public class InstanceNorm1d : InstanceNormNd
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1).</param>
    /// <param name="affine">Learn a per-channel scale and shift (default false).</param>
    /// <param name="trackRunningStats">Keep running statistics and use them in evaluation (default false).</param>
    /// <param name="dtype">The dtype of parameters and statistics (default <see cref="Tensor.DefaultDType"/>).</param>
    public InstanceNorm1d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = false,
        bool trackRunningStats = false, DType? dtype = null)
        : base("InstanceNorm1d", 1, numFeatures, eps, momentum, affine, trackRunningStats, dtype) { }
}

/// <summary>Instance normalisation over [N, C, H, W] input (PyTorch's <c>nn.InstanceNorm2d</c>).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output the same.</para></remarks>
public class InstanceNorm2d : InstanceNormNd
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1).</param>
    /// <param name="affine">Learn a per-channel scale and shift (default false).</param>
    /// <param name="trackRunningStats">Keep running statistics and use them in evaluation (default false).</param>
    /// <param name="dtype">The dtype of parameters and statistics (default <see cref="Tensor.DefaultDType"/>).</param>
    public InstanceNorm2d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = false,
        bool trackRunningStats = false, DType? dtype = null)
        : base("InstanceNorm2d", 2, numFeatures, eps, momentum, affine, trackRunningStats, dtype) { }
}

/// <summary>
/// Layer normalisation over the trailing dims (PyTorch's <c>nn.LayerNorm</c>): y = (x − mean) / √(var + eps) · weight + bias.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [*, *normalized_shape]; output the same.</para>
/// <para><b>Initialisation:</b> weight 1, bias 0 (both of shape normalized_shape).</para>
/// </remarks>
public class LayerNorm : Module
{
    /// <summary>Creates the layer normalising over the last dim of size <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">Size of the last dim.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="elementwiseAffine">Learn a scale and shift per normalised element (default true).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType? dtype = null)
        : this([normalizedShape], eps, elementwiseAffine, dtype) { }

    /// <summary>Creates the layer normalising over the trailing dims <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">The trailing sizes.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="elementwiseAffine">Learn a scale and shift per normalised element (default true).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType? dtype = null)
    {
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s < 1))
            throw OpErrors.Argument("LayerNorm", $"normalized_shape must be non-empty with positive sizes, got {ShapeUtil.Format(normalizedShape)}.");
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        var dt = dtype ?? Tensor.DefaultDType;
        Weight = elementwiseAffine ? Tensor.Ones(NormalizedShape, dt).RequiresGrad_() : null;
        Bias = elementwiseAffine ? Tensor.Zeros(NormalizedShape, dt).RequiresGrad_() : null;
    }

    /// <summary>The trailing sizes normalised over.</summary>
    public int[] NormalizedShape { get; }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>Whether the layer has a learnable scale and shift.</summary>
    public bool ElementwiseAffine { get; }

    /// <summary>Scale of shape normalized_shape, or null.</summary>
    public Tensor? Weight { get; set; }

    /// <summary>Shift of shape normalized_shape, or null.</summary>
    public Tensor? Bias { get; set; }

    /// <summary>Resets weight to 1 and bias to 0.</summary>
    public void ResetParameters()
    {
        Weight?.FillNoRecord(1);
        Bias?.FillNoRecord(0);
    }

    /// <summary>Normalises the input.</summary>
    /// <param name="input">[*, *normalized_shape].</param>
    public override Tensor Forward(Tensor input) => LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"{PythonRepr.Tuple(NormalizedShape)}, eps={PythonRepr.Float(Eps)}, elementwise_affine={PythonRepr.Bool(ElementwiseAffine)}";
}

/// <summary>Group normalisation (PyTorch's <c>nn.GroupNorm</c>): channels in groups, each group normalised over its channels and positions.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, *]; output the same.</para>
/// <para><b>Initialisation:</b> weight 1, bias 0 (per channel).</para>
/// </remarks>
public class GroupNorm : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numGroups">Number of groups; divides num_channels.</param>
    /// <param name="numChannels">Number of channels C.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="affine">Learn a per-channel scale and shift (default true).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public GroupNorm(int numGroups, int numChannels, double eps = 1e-5, bool affine = true, DType? dtype = null)
    {
        if (numGroups < 1 || numChannels % numGroups != 0)
            throw OpErrors.Argument("GroupNorm", $"num_channels ({numChannels}) must be divisible by num_groups ({numGroups}).");
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        Affine = affine;
        var dt = dtype ?? Tensor.DefaultDType;
        Weight = affine ? Tensor.Ones([numChannels], dt).RequiresGrad_() : null;
        Bias = affine ? Tensor.Zeros([numChannels], dt).RequiresGrad_() : null;
    }

    /// <summary>Number of groups.</summary>
    public int NumGroups { get; }

    /// <summary>Number of channels.</summary>
    public int NumChannels { get; }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>Whether the layer has a learnable per-channel scale and shift.</summary>
    public bool Affine { get; }

    /// <summary>Per-channel scale [C], or null.</summary>
    public Tensor? Weight { get; set; }

    /// <summary>Per-channel shift [C], or null.</summary>
    public Tensor? Bias { get; set; }

    /// <summary>Resets weight to 1 and bias to 0.</summary>
    public void ResetParameters()
    {
        Weight?.FillNoRecord(1);
        Bias?.FillNoRecord(0);
    }

    /// <summary>Normalises the input.</summary>
    /// <param name="input">[N, C, *].</param>
    public override Tensor Forward(Tensor input) => GroupNorm(input, NumGroups, Weight, Bias, Eps);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"{NumGroups}, {NumChannels}, eps={PythonRepr.Float(Eps)}, affine={PythonRepr.Bool(Affine)}");
}

/// <summary>
/// Root-mean-square layer normalisation over the trailing dims (PyTorch 2.4's <c>nn.RMSNorm</c>):
/// y = x / √(mean(x²) + eps) · weight.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [*, *normalized_shape]; output the same.</para>
/// <para><b>eps</b> null (the default) means the input dtype's machine epsilon, as PyTorch.</para>
/// <para><b>Initialisation:</b> weight 1 (of shape normalized_shape).</para>
/// </remarks>
public class RMSNorm : Module
{
    /// <summary>Creates the layer normalising over the last dim of size <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">Size of the last dim.</param>
    /// <param name="eps">Added to the mean square (default null: the input dtype's machine epsilon).</param>
    /// <param name="elementwiseAffine">Learn a scale per normalised element (default true).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public RMSNorm(int normalizedShape, double? eps = null, bool elementwiseAffine = true, DType? dtype = null)
        : this([normalizedShape], eps, elementwiseAffine, dtype) { }

    /// <summary>Creates the layer normalising over the trailing dims <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">The trailing sizes.</param>
    /// <param name="eps">Added to the mean square (default null: the input dtype's machine epsilon).</param>
    /// <param name="elementwiseAffine">Learn a scale per normalised element (default true).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public RMSNorm(int[] normalizedShape, double? eps = null, bool elementwiseAffine = true, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s < 1))
            throw OpErrors.Argument("RMSNorm", $"normalized_shape must be non-empty with positive sizes, got {ShapeUtil.Format(normalizedShape)}.");
        if (eps is double e && !(e >= 0))
            throw OpErrors.Argument("RMSNorm", $"eps must be non-negative, got {e}.");
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        Weight = elementwiseAffine ? Tensor.Ones(NormalizedShape, dtype ?? Tensor.DefaultDType).RequiresGrad_() : null;
    }

    /// <summary>The trailing sizes normalised over.</summary>
    public int[] NormalizedShape { get; }

    /// <summary>Added to the mean square; null for the input dtype's machine epsilon.</summary>
    public double? Eps { get; }

    /// <summary>Whether the layer has a learnable scale.</summary>
    public bool ElementwiseAffine { get; }

    /// <summary>Scale of shape normalized_shape, or null.</summary>
    public Tensor? Weight { get; set; }

    /// <summary>Resets the weight to 1.</summary>
    public void ResetParameters() => Weight?.FillNoRecord(1);

    /// <summary>Normalises the input.</summary>
    /// <param name="input">[*, *normalized_shape].</param>
    public override Tensor Forward(Tensor input) => RmsNorm(input, NormalizedShape, Weight, Eps);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"{PythonRepr.Tuple(NormalizedShape)}, eps={(Eps is double e ? PythonRepr.Float(e) : "None")}, elementwise_affine={PythonRepr.Bool(ElementwiseAffine)}";
}
