using System.Diagnostics;
using System.Globalization;
using Avalon.Data;
using Avalon.Training;

namespace Avalon.Distributed;

/// <summary>
/// The processes training together (every process of <c>MPI_COMM_WORLD</c>): rank, world size and local
/// rank, collectives on tensors and arrays, and a deadline on every collective.
/// </summary>
/// <remarks>
/// <para>MPI has no timeout: when a process dies or stops calling collectives, the others wait forever.
/// Every collective here is started non-blocking and polled with <c>MPI_Test</c> against
/// <see cref="Timeout"/>; past it the process prints which operation did not complete and ends the whole
/// job with <c>MPI_Abort</c>, so a failure on one rank never leaves the others hanging. Collectives must
/// be called in the same order on every process.</para>
/// <para>The rank and size come from MPI; the local rank (the process's index on its machine, used to
/// pick a device) comes from the launcher's environment (<see cref="Launcher"/>: Open MPI's
/// <c>OMPI_COMM_WORLD_LOCAL_RANK</c>, MPICH's <c>MPI_LOCALRANKID</c>, Slurm's <c>SLURM_LOCALID</c>), or
/// 0 when the launcher does not say.</para>
/// <para>As <see cref="IDistributedContext"/> it gives <c>Fit</c> its shard of the data
/// (<see cref="DistributedSampler"/>) and sums across processes.</para>
/// </remarks>
/// <example>
/// <code>
/// // mpirun -np 2 dotnet run -c Release --project MyTraining
/// var group = ProcessGroup.Initialize();
/// var model = new DistributedDataParallel(new Net(), group);
/// model.Fit(loss, new Adam(model.Parameters()), train, epochs: 5, batchSize: 64);
/// group.Shutdown();
/// </code>
/// </example>
public sealed class ProcessGroup : IDistributedContext
{
    /// <summary>The environment variable that sets the default <see cref="Timeout"/>, in seconds.</summary>
    public const string TimeoutVariable = "AVALON_DISTRIBUTED_TIMEOUT";

    private static readonly object Gate = new();
    private static ProcessGroup? _world;
    private long _waitTicks;

    private ProcessGroup(TimeSpan timeout)
    {
        Rank = Mpi.Rank;
        WorldSize = Mpi.Size;
        Launcher = LauncherEnvironment.Current();
        LocalRank = Launcher.LocalRank ?? (WorldSize == 1 ? 0 : 0);
        LocalWorldSize = Launcher.LocalWorldSize ?? 1;
        Timeout = timeout;
    }

    /// <summary>
    /// Initialises MPI if needed and returns the group of all processes (the same object on later
    /// calls). A process started without a launcher is a group of one.
    /// </summary>
    /// <param name="timeout">How long a collective may take before the job is aborted; default
    /// <c>AVALON_DISTRIBUTED_TIMEOUT</c> seconds, else 5 minutes.</param>
    /// <exception cref="MpiLibraryNotFoundException">No MPI library could be loaded.</exception>
    /// <exception cref="MpiException">MPI could not be initialised.</exception>
    public static ProcessGroup Initialize(TimeSpan? timeout = null)
    {
        lock (Gate)
        {
            if (_world is not null)
            {
                if (timeout is TimeSpan t) _world.Timeout = t;
                return _world;
            }
            Mpi.Initialize();
            return _world = new ProcessGroup(timeout ?? DefaultTimeout());
        }
    }

    /// <summary>Whether <see cref="Initialize"/> has run in this process and MPI is not finalised (PyTorch's <c>dist.is_initialized()</c>).</summary>
    public static bool IsInitialized => _world is not null && !Mpi.IsFinalized;

    /// <summary>The group made by <see cref="Initialize"/>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Initialize"/> has not run.</exception>
    public static ProcessGroup World => _world ?? throw new InvalidOperationException("ProcessGroup: call ProcessGroup.Initialize() first.");

    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>The number of processes.</summary>
    public int WorldSize { get; }

    /// <summary>This process's index among the processes on its machine (0 when the launcher does not say).</summary>
    public int LocalRank { get; }

    /// <summary>The number of processes on this machine (1 when the launcher does not say).</summary>
    public int LocalWorldSize { get; }

    /// <summary>What the launcher said (which launcher, and the ranks it set).</summary>
    public LauncherEnvironment Launcher { get; }

    /// <summary>Whether this is rank 0, the process that reports and saves.</summary>
    public bool IsMainProcess => Rank == 0;

    /// <summary>How long a collective may wait before the job is aborted.</summary>
    public TimeSpan Timeout { get; set; }

    /// <summary>The time this process has spent blocked waiting for collectives to complete (in <see cref="Wait(MpiRequest)"/>), since it started or <see cref="ResetWaitTime"/>.</summary>
    public TimeSpan WaitTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitTicks));

    /// <summary>Sets <see cref="WaitTime"/> back to zero.</summary>
    public void ResetWaitTime() => Interlocked.Exchange(ref _waitTicks, 0);

    /// <summary>
    /// Waits for <paramref name="request"/> to complete, polling it (<c>MPI_Test</c>) until
    /// <see cref="Timeout"/>; past it, reports the operation on standard error and aborts every process.
    /// </summary>
    /// <param name="request">A request started by <see cref="Mpi"/>.</param>
    public void Wait(MpiRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Test()) return;
        long start = Stopwatch.GetTimestamp();
        try
        {
            var spin = new SpinWait();
            while (!request.Test())
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                if (elapsed > Timeout) AbortOnTimeout(request.Operation);
                if (elapsed < TimeSpan.FromMilliseconds(2)) spin.SpinOnce(sleep1Threshold: -1);
                else if (elapsed < TimeSpan.FromMilliseconds(50)) Thread.Yield();
                else Thread.Sleep(1);
            }
        }
        finally
        {
            Interlocked.Add(ref _waitTicks, Stopwatch.GetTimestamp() - start);
        }
    }

    /// <summary>Waits for every request (see <see cref="Wait(MpiRequest)"/>).</summary>
    public void WaitAll(IEnumerable<MpiRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var r in requests) Wait(r);
    }

    /// <summary>Blocks until every process has called it.</summary>
    public void Barrier() => Wait(Mpi.StartBarrier());

    /// <summary>Replaces each element of <paramref name="values"/> by its sum over all processes.</summary>
    public void SumAcross(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (WorldSize == 1 || values.Length == 0) return;
        Wait(Mpi.StartAllReduce(values, 0, values.Length, MpiOp.Sum));
    }

    /// <summary>Reduces an array in place across all processes.</summary>
    public void AllReduce<T>(T[] values, MpiOp op = MpiOp.Sum) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) return;
        Wait(Mpi.StartAllReduce(values, 0, values.Length, op));
    }

    /// <summary>The element-wise reduction of <paramref name="tensor"/> over all processes (a new tensor of the same shape, dtype and device).</summary>
    /// <exception cref="NotSupportedException">The dtype is not float32, float64, int32 or int64.</exception>
    public Tensor AllReduce(Tensor tensor, MpiOp op = MpiOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.DType switch
        {
            DType.Float32 => AllReduceAs<float>(tensor, op),
            DType.Float64 => AllReduceAs<double>(tensor, op),
            DType.Int32 => AllReduceAs<int>(tensor, op),
            DType.Int64 => AllReduceAs<long>(tensor, op),
            _ => throw Unsupported("all_reduce", tensor),
        };
    }

    /// <summary>Overwrites <paramref name="tensor"/> on every process with rank <paramref name="root"/>'s values (in place; same shape everywhere).</summary>
    public void Broadcast_(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (root < 0 || root >= WorldSize)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"broadcast: root {root} is not a rank of the {WorldSize} processes.");
        if (WorldSize == 1) return;
        Tensor received = tensor.DType switch
        {
            DType.Float32 => BroadcastAs<float>(tensor, root),
            DType.Float64 => BroadcastAs<double>(tensor, root),
            DType.Int32 => BroadcastAs<int>(tensor, root),
            DType.Int64 => BroadcastAs<long>(tensor, root),
            DType.Bool => BroadcastAs<int>(tensor.To(DType.Int32), root).To(DType.Bool),
            _ => throw Unsupported("broadcast", tensor),
        };
        using var noGrad = new Autodiff.NoGrad();
        tensor.Copy_(received);
    }

    /// <summary>Every process's <paramref name="tensor"/>, stacked in rank order: shape <c>[WorldSize, ...]</c>.</summary>
    public Tensor AllGather(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.DType switch
        {
            DType.Float32 => AllGatherAs<float>(tensor),
            DType.Float64 => AllGatherAs<double>(tensor),
            DType.Int32 => AllGatherAs<int>(tensor),
            DType.Int64 => AllGatherAs<long>(tensor),
            _ => throw Unsupported("all_gather", tensor),
        };
    }

    /// <summary>Finalises MPI (<c>MPI_Finalize</c>) after a barrier; call once at the end of the program, on every process.</summary>
    public void Shutdown()
    {
        if (Mpi.IsFinalized) return;
        Barrier();
        Mpi.Shutdown();
    }

    /// <inheritdoc/>
    public IDataset TrainingShard(IDataset train, int epoch, bool shuffle, ulong seed, bool dropLast)
    {
        ArgumentNullException.ThrowIfNull(train);
        var sampler = new DistributedSampler(train.Count, WorldSize, Rank, shuffle, seed, dropLast);
        sampler.SetEpoch(epoch - 1);
        return new Subset(train, sampler.Indices());
    }

    /// <inheritdoc/>
    public IDataset EvaluationShard(IDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var indices = new List<int>(data.Count / WorldSize + 1);
        for (int i = Rank; i < data.Count; i += WorldSize) indices.Add(i);
        return new Subset(data, indices);
    }

    private Tensor AllReduceAs<T>(Tensor tensor, MpiOp op) where T : unmanaged
    {
        var values = tensor.ToArray<T>();
        if (WorldSize > 1 && values.Length > 0) Wait(Mpi.StartAllReduce(values, 0, values.Length, op));
        return OnDeviceOf(tensor, Tensor.From(values, tensor.Shape.ToArray()));
    }

    private Tensor BroadcastAs<T>(Tensor tensor, int root) where T : unmanaged
    {
        var values = tensor.ToArray<T>();
        if (values.Length > 0) Wait(Mpi.StartBroadcast(values, 0, values.Length, root));
        return OnDeviceOf(tensor, Tensor.From(values, tensor.Shape.ToArray()));
    }

    private Tensor AllGatherAs<T>(Tensor tensor) where T : unmanaged
    {
        var send = tensor.ToArray<T>();
        var receive = new T[send.Length * WorldSize];
        if (WorldSize == 1) send.CopyTo(receive, 0);
        else if (send.Length > 0) Wait(Mpi.StartAllGather(send, receive));
        return OnDeviceOf(tensor, Tensor.From(receive, [WorldSize, .. tensor.Shape.ToArray()]));
    }

    private static Tensor OnDeviceOf(Tensor like, Tensor host) => like.Device == host.Device ? host : host.To(like.Device);

    private static NotSupportedException Unsupported(string op, Tensor tensor) =>
        new($"{op}: dtype {tensor.DType.Name()} is not supported (expected one of float32, float64, int32, int64); shape {tensor.Shape}.");

    private void AbortOnTimeout(string operation)
    {
        string message = string.Create(CultureInfo.InvariantCulture,
            $"ProcessGroup: {operation} did not complete within {Timeout.TotalSeconds:0.#} s on rank {Rank} of {WorldSize}: another process has failed, exited, " +
            $"or stopped calling the same collectives in the same order. Aborting every process (MPI_Abort). Raise {TimeoutVariable} (seconds) if a step legitimately takes longer.");
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        Mpi.Abort(3);
    }

    private static TimeSpan DefaultTimeout() =>
        double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : TimeSpan.FromMinutes(5);
}
