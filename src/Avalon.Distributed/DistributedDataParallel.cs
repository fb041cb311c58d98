using System.Diagnostics;
using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Training;

namespace Avalon.Distributed;

/// <summary>
/// Data-parallel training (PyTorch's <c>DistributedDataParallel</c>): every process holds a replica of
/// the wrapped module, runs it on its own part of each batch, and the gradients are averaged over the
/// processes during the backward pass, so every replica takes the same optimiser step.
/// </summary>
/// <remarks>
/// <para><b>At construction</b> rank 0's parameters and buffers are broadcast to every process, so the
/// replicas start equal whatever each process initialised.</para>
/// <para><b>During backward</b> the gradients are all-reduced in buckets of about
/// <c>bucketCapMb</c> megabytes, filled in reverse parameter order (the order in which backward produces
/// gradients). A gradient hook (<see cref="Autograd.RegisterPostAccumulateGradHook"/>) marks each
/// parameter ready when its gradient is complete; when a bucket is full its flattened gradients go into
/// a non-blocking <c>MPI_Iallreduce</c> while backward goes on computing the earlier layers' gradients
/// (buckets start in index order on every process, as MPI requires). When the backward pass ends
/// (<see cref="Autograd.QueueCallback"/>) the remaining buckets start, all are waited for (with the
/// group's timeout), divided by the world size and written into each parameter's <see cref="Tensor.Grad"/>.
/// A parameter that got no gradient on this process contributes zeros, so every replica ends with the
/// same gradients.</para>
/// <para><b>Gradient accumulation</b>: inside <c>using (model.NoSync())</c> backward passes accumulate
/// locally; the first backward after the scope all-reduces the sum.</para>
/// <para><b>Buffers</b> (BatchNorm running statistics) are broadcast from rank 0 before each training
/// forward when <c>broadcastBuffers</c> (PyTorch's default); BatchNorm's batch statistics stay local to
/// each process unless the model uses <see cref="SyncBatchNorm"/> (<see cref="SyncBatchNorm.ConvertSyncBatchNorm"/>).</para>
/// <para><b>Fit</b> runs distributed with a wrapped model (<see cref="IDistributedModule"/>): each process
/// trains on its shard, rank 0 alone shows progress and writes checkpoints, and losses, metrics and
/// stopping decisions are reduced across processes.</para>
/// <para><b>Compiled training steps</b> have no eager backward pass, so no hooks fire: a compiled step
/// calls <see cref="AllReduceGradients"/> after computing the gradients and before the optimiser step
/// (all buckets at once, without overlap).</para>
/// <para>The state dict keys are the wrapped module's under <c>module.</c>, as in PyTorch; save
/// <see cref="Module"/> itself for a checkpoint a single process loads.</para>
/// </remarks>
/// <example>
/// <code>
/// var group = ProcessGroup.Initialize();
/// var model = new DistributedDataParallel(new Net(), group);
/// var optimizer = new Sgd(model.Parameters(), lr: 0.1);
/// foreach (var (x, y) in loader)            // this process's shard
/// {
///     optimizer.ZeroGrad();
///     Functional.CrossEntropy(model.Forward(x), y).Backward();   // gradients averaged over processes
///     optimizer.Step();
/// }
/// </code>
/// </example>
public sealed class DistributedDataParallel : Module, IDistributedModule
{
    /// <summary>PyTorch's default bucket size, in megabytes.</summary>
    public const double DefaultBucketCapMb = 25;

    private readonly GradientBucket[] _buckets;
    private readonly Dictionary<Tensor, GradientBucket> _bucketOf = new(ReferenceEqualityComparer.Instance);
    private readonly List<GradHookHandle> _hooks = [];
    private int _nextToLaunch;
    private bool _syncQueued;
    private long _waitTicks;
    private long _syncs;

    /// <summary>Wraps <paramref name="module"/> and makes every replica equal to rank 0's.</summary>
    /// <param name="module">The model to train (on this process's device).</param>
    /// <param name="group">The processes; default <see cref="ProcessGroup.World"/>.</param>
    /// <param name="bucketCapMb">The size of a gradient bucket in megabytes (2^20 bytes). Default 25, as PyTorch.</param>
    /// <param name="broadcastBuffers">Whether to broadcast rank 0's buffers before each training forward. Default true.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bucketCapMb"/> is not positive.</exception>
    public DistributedDataParallel(Module module, ProcessGroup? group = null, double bucketCapMb = DefaultBucketCapMb, bool broadcastBuffers = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(bucketCapMb > 0))
            throw new ArgumentOutOfRangeException(nameof(bucketCapMb), bucketCapMb, $"DistributedDataParallel: bucketCapMb must be positive, got {bucketCapMb}.");
        Module = module;
        Group = group ?? ProcessGroup.World;
        BucketCapMb = bucketCapMb;
        BroadcastBuffers = broadcastBuffers;

        foreach (var p in module.Parameters()) Group.Broadcast_(p);
        foreach (var b in module.Buffers()) Group.Broadcast_(b);

        _buckets = BuildBuckets(module, (long)(bucketCapMb * (1 << 20)));
        foreach (var bucket in _buckets)
            foreach (var p in bucket.Parameters)
            {
                _bucketOf[p] = bucket;
                _hooks.Add(Autograd.RegisterPostAccumulateGradHook(p, OnGradientReady));
            }
    }

    /// <summary>The wrapped module (state keys <c>module.*</c>).</summary>
    public Module Module { get; }

    /// <summary>The processes the gradients are averaged over.</summary>
    public ProcessGroup Group { get; }

    /// <summary>The bucket size in megabytes.</summary>
    public double BucketCapMb { get; }

    /// <summary>Whether rank 0's buffers are broadcast before each training forward.</summary>
    public bool BroadcastBuffers { get; }

    /// <summary>Whether backward passes all-reduce the gradients (false inside <see cref="NoSync"/>).</summary>
    public bool RequireBackwardGradSync { get; internal set; } = true;

    /// <summary>The number of gradient buckets.</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>The parameters of each bucket, in launch order (the reverse of the parameter order).</summary>
    public IReadOnlyList<IReadOnlyList<Tensor>> Buckets => [.. _buckets.Select(b => (IReadOnlyList<Tensor>)b.Parameters)];

    /// <summary>The time spent blocked waiting for gradient all-reduces at the end of backward passes, since construction or <see cref="ResetStatistics"/>.</summary>
    public TimeSpan CommunicationWaitTime => Stopwatch.GetElapsedTime(0, _waitTicks);

    /// <summary>The number of gradient synchronisations since construction or <see cref="ResetStatistics"/>.</summary>
    public long Synchronizations => _syncs;

    /// <summary>Sets <see cref="CommunicationWaitTime"/> and <see cref="Synchronizations"/> back to zero.</summary>
    public void ResetStatistics()
    {
        _waitTicks = 0;
        _syncs = 0;
    }

    /// <inheritdoc/>
    IDistributedContext IDistributedModule.DistributedContext => Group;

    /// <inheritdoc/>
    bool IDistributedModule.CanAllReduceGradients => true;

    /// <summary>Runs the wrapped module (after broadcasting rank 0's buffers, when training and <see cref="BroadcastBuffers"/>).</summary>
    public override Tensor Forward(Tensor input)
    {
        if (Training && BroadcastBuffers && Group.WorldSize > 1)
            foreach (var b in Module.Buffers()) Group.Broadcast_(b);
        return Module.Forward(input);
    }

    /// <summary>
    /// Opens a scope in which backward passes do not communicate (PyTorch's <c>no_sync()</c>), for
    /// gradient accumulation: <c>using (model.NoSync()) { loss1.Backward(); } loss2.Backward();</c>
    /// all-reduces the sum of both.
    /// </summary>
    public NoSyncScope NoSync() => new(this);

    /// <summary>
    /// All-reduces and averages every parameter's current <see cref="Tensor.Grad"/> now, bucket by bucket
    /// (zeros for a parameter without one). This is the seam for training steps without an eager backward
    /// pass (a compiled step): call it after the gradients are computed and before the optimiser step.
    /// Eager <see cref="Tensor.Backward"/> does this by itself. Must be called on every process.
    /// </summary>
    public void AllReduceGradients()
    {
        foreach (var bucket in _buckets) bucket.Reset();
        _nextToLaunch = 0;
        Synchronize();
    }

    private void OnGradientReady(Tensor parameter)
    {
        if (!RequireBackwardGradSync || Group.WorldSize == 1) return;
        if (!_syncQueued)
        {
            _syncQueued = true;
            Autograd.QueueCallback(FinishBackward);
        }
        var bucket = _bucketOf[parameter];
        bucket.MarkReady(parameter);
        // Start every bucket that is complete, in index order (all processes start them in the same order).
        while (_nextToLaunch < _buckets.Length && _buckets[_nextToLaunch].IsComplete)
            _buckets[_nextToLaunch++].Launch();
        // MPI progresses a non-blocking collective only inside MPI calls: give the started ones a turn.
        for (int i = 0; i < _nextToLaunch; i++) _buckets[i].Poke();
    }

    private void FinishBackward()
    {
        _syncQueued = false;
        Synchronize();
    }

    private void Synchronize()
    {
        long start = Stopwatch.GetTimestamp();
        while (_nextToLaunch < _buckets.Length) _buckets[_nextToLaunch++].Launch();
        foreach (var bucket in _buckets) bucket.Finish(Group, Group.WorldSize);
        _nextToLaunch = 0;
        _waitTicks += Stopwatch.GetTimestamp() - start;
        _syncs++;
    }

    // Buckets in reverse parameter order, a new one when the dtype changes or the cap would be passed.
    private static GradientBucket[] BuildBuckets(Module module, long capBytes)
    {
        var parameters = module.Parameters().Where(p => p.RequiresGrad).Reverse().ToList();
        foreach (var p in parameters)
            if (p.DType is not (DType.Float32 or DType.Float64))
                throw new NotSupportedException($"DistributedDataParallel: parameter of dtype {p.DType.Name()} {p.Shape} is not supported (expected float32 or float64).");
        var buckets = new List<GradientBucket>();
        var current = new List<Tensor>();
        long bytes = 0;
        foreach (var p in parameters)
        {
            long size = (long)p.Numel * (p.DType == DType.Float64 ? 8 : 4);
            if (current.Count > 0 && (current[0].DType != p.DType || bytes + size > capBytes))
            {
                buckets.Add(new GradientBucket(buckets.Count, current));
                current = [];
                bytes = 0;
            }
            current.Add(p);
            bytes += size;
        }
        if (current.Count > 0) buckets.Add(new GradientBucket(buckets.Count, current));
        return [.. buckets];
    }
}
