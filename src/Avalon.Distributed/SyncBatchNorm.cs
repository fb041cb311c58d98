using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Distributed;

/// <summary>
/// Batch normalisation whose batch statistics are computed over every process's batch (PyTorch's
/// <c>torch.nn.SyncBatchNorm</c>), for data-parallel training with small per-process batches.
/// </summary>
/// <remarks>
/// <para><b>Training, several processes</b> (<see cref="ProcessGroup.Initialize"/> has run and the world
/// has more than one process): each process sums its input per channel, and its squares, over every dim
/// but 1, in float64; one all-reduce of <c>[sum, sum of squares, count]</c> (2C + 1 values) gives the
/// global mean and biased variance, which normalise the input. The running statistics move as
/// <see cref="BatchNorm2d"/>'s do, with the global unbiased variance (× N / (N − 1), N the count over all
/// processes), so they stay equal on every process.</para>
/// <para><b>Gradients</b> flow through the all-reduce, a differentiable primitive whose derivative is the
/// all-reduce of its gradient: the backward pass all-reduces the gradients of the per-channel sum and sum
/// of squares once per layer (the two per-channel sums PyTorch's backward all-reduces, in another
/// basis). Under <see cref="DistributedDataParallel"/>, P processes on B/P samples each get the gradients
/// of one process on the whole batch of B.</para>
/// <para><b>Otherwise</b> (evaluation, a single process, or MPI not initialised) it is
/// <see cref="BatchNormNd"/> exactly: the same computation, bit for bit.</para>
/// <para>The synchronised path reads the global count (and, with momentum null, the batch count) on the
/// host, so it runs eagerly, as distributed training does.</para>
/// <para>Input is [N, C, *] (2 to 8 dims), like every BatchNorm; parameters and buffers are BatchNorm's
/// (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>), so
/// state dicts load either way. Every process must call the layer the same number of times in the same
/// order (it is a collective). The statistics are reduced over <see cref="ProcessGroup.World"/>, the one
/// group of this binding.</para>
/// </remarks>
/// <example>
/// <code>
/// var group = ProcessGroup.Initialize();
/// var net = SyncBatchNorm.ConvertSyncBatchNorm(new ResNet());   // every BatchNorm becomes a SyncBatchNorm
/// var model = new DistributedDataParallel(net, group);
/// </code>
/// </example>
public class SyncBatchNorm : BatchNormNd
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Number of channels C.</param>
    /// <param name="eps">Added to the variance (default 1e-5).</param>
    /// <param name="momentum">Weight of the batch statistics in the running update (default 0.1; null: cumulative average).</param>
    /// <param name="affine">Learn a per-channel scale and shift (default true).</param>
    /// <param name="trackRunningStats">Keep running statistics and use them in evaluation (default true).</param>
    /// <param name="dtype">The dtype of parameters and statistics (default <see cref="Tensor.DefaultDType"/>).</param>
    public SyncBatchNorm(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true,
        DType? dtype = null) : base("SyncBatchNorm", [2, 3, 4, 5, 6, 7, 8], numFeatures, eps, momentum, affine, trackRunningStats, dtype) { }

    /// <summary>Whether a training forward would synchronise now (training, MPI initialised, more than one process).</summary>
    public bool Synchronizes => Training && ProcessGroup.IsInitialized && ProcessGroup.World.WorldSize > 1;

    /// <summary>Normalises the input (see the class remarks).</summary>
    /// <param name="input">[N, C, *] with C = <see cref="NormBase.NumFeatures"/>.</param>
    /// <exception cref="ArgumentException">The input has fewer than 2 dims, or its dim 1 is not C.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2)
            throw new ArgumentException($"SyncBatchNorm: expected at least 2D input ([N, C, *]), got {input.Rank}D input of shape {input.Shape}.", nameof(input));
        if (input.Shape[1] != NumFeatures)
            throw new ArgumentException($"SyncBatchNorm: expected input with {NumFeatures} channels at dim 1 (num_features), got input of shape {input.Shape}.", nameof(input));
        return Synchronizes ? SynchronizedForward(input) : base.Forward(input);
    }

    /// <summary>
    /// Replaces every <see cref="BatchNormNd"/> in <paramref name="module"/> (BatchNorm1d/2d/3d) by a
    /// <see cref="SyncBatchNorm"/> holding the same parameter and buffer tensors, the same settings and
    /// training mode (PyTorch's <c>convert_sync_batchnorm</c>). The modules are replaced in place, in
    /// fields, auto-properties, arrays and lists of modules, <see cref="Sequential"/>,
    /// <see cref="ModuleList"/> and <see cref="ModuleDict"/>; the module itself is returned, or a new
    /// SyncBatchNorm when it is a BatchNorm itself. Parameters are the same tensors, so an optimiser built
    /// before the conversion still updates them.
    /// </summary>
    /// <param name="module">The model to convert.</param>
    /// <returns><paramref name="module"/> (converted in place), or the SyncBatchNorm that replaces it.</returns>
    /// <exception cref="InvalidOperationException">A BatchNorm is held where a SyncBatchNorm cannot go: a
    /// field or list declared as <c>BatchNorm2d</c> (declare it as <see cref="BatchNormNd"/> or
    /// <see cref="Module"/>), or a child a module yields from code rather than a member.</exception>
    public static Module ConvertSyncBatchNorm(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module is BatchNormNd bn and not SyncBatchNorm) return From(bn);
        SyncBatchNormConversion.ConvertChildren(module);
        return module;
    }

    /// <summary>A SyncBatchNorm with <paramref name="bn"/>'s settings, tensors and training mode.</summary>
    internal static SyncBatchNorm From(BatchNormNd bn)
    {
        var sync = new SyncBatchNorm(bn.NumFeatures, bn.Eps, bn.Momentum, bn.Affine, bn.TrackRunningStats,
            bn.Weight?.DType ?? bn.RunningMean?.DType)
        {
            Weight = bn.Weight,
            Bias = bn.Bias,
            RunningMean = bn.RunningMean,
            RunningVar = bn.RunningVar,
            NumBatchesTracked = bn.NumBatchesTracked,
        };
        sync.Train(bn.Training);
        return sync;
    }

    private Tensor SynchronizedForward(Tensor input)
    {
        int channels = NumFeatures, rank = input.Rank;
        double factor = Momentum ?? 0.0;
        if (TrackRunningStats && NumBatchesTracked is not null)
        {
            NumBatchesTracked.Add_(1);
            if (Momentum is null) factor = 1.0 / NumBatchesTracked.Item();
        }

        // Per-channel sum and sum of squares over every dim but 1, in float64 (so E[x²] − E[x]² keeps the
        // precision of a centred variance in float32), with the count, reduced over all processes at once.
        var dims = new int[rank - 1];
        for (int i = 1; i < dims.Length; i++) dims[i] = i + 1;
        var x = input.DType == DType.Float64 ? input : input.To(DType.Float64);
        var count = Tensor.Full([1], input.Numel / channels, DType.Float64, input.Device);
        var global = AllReduceSumPrimitive.Sum(Tensor.Cat([x.Sum(dims), (x * x).Sum(dims), count]));
        double total = global.Narrow(0, 2 * channels, 1).Item();
        if (total <= 1)
            throw new ArgumentException($"SyncBatchNorm: expected more than 1 value per channel over all processes when training, got {total} (input of shape {input.Shape} on this process).", nameof(input));
        var mean = global.Narrow(0, 0, channels) / total;
        var variance = global.Narrow(0, channels, channels) / total - mean * mean;
        var invStd = (variance + Eps).Rsqrt();

        var normalized = (input - PerChannel(mean.To(input.DType), rank)) * PerChannel(invStd.To(input.DType), rank);
        if (Weight is not null) normalized = normalized * PerChannel(Weight, rank);
        if (Bias is not null) normalized = normalized + PerChannel(Bias, rank);

        using (new NoGrad())
        {
            if (RunningMean is not null)
                RunningMean.Copy_(RunningMean * (1 - factor) + mean.Detach().To(RunningMean.DType) * factor);
            if (RunningVar is not null)
                RunningVar.Copy_(RunningVar * (1 - factor) + (variance.Detach() * (total / (total - 1))).To(RunningVar.DType) * factor);
        }
        return normalized;
    }

    private static Tensor PerChannel(Tensor t, int rank)
    {
        var shape = new int[rank];
        Array.Fill(shape, 1);
        shape[1] = t.Numel;
        return t.Reshape(shape);
    }
}
