using System.Runtime.InteropServices;

namespace Avalon.Distributed;

/// <summary>
/// A small binding of MPI over <c>MPI_COMM_WORLD</c>: initialisation, rank and size, barrier, broadcast,
/// all-reduce and all-gather, their non-blocking forms (<see cref="MpiRequest"/>), and abort.
/// </summary>
/// <remarks>
/// <para>The library is found at first use: <c>AVALON_MPI_LIB</c> when set (a path or a library name),
/// else Open MPI's <c>libmpi.so.40</c>, else MPICH's <c>libmpi.so.12</c> (see <see cref="LibraryPath"/>).
/// Its ABI — Open MPI's pointer handles or MPICH's integer handles — is detected from its exports
/// (<see cref="Abi"/>). Errors are returned rather than fatal (<c>MPI_ERRORS_RETURN</c> on the world
/// communicator) and raised as <see cref="MpiException"/> with MPI's own error string.</para>
/// <para>Element types: <c>float</c>, <c>double</c>, <c>int</c>, <c>long</c> and <c>byte</c>. Counts are
/// MPI's <c>int</c>. MPI is initialised with <c>MPI_THREAD_SERIALIZED</c>: calls may come from any
/// thread, one at a time. Most users want <see cref="ProcessGroup"/>, which adds timeouts and tensors.</para>
/// </remarks>
public static unsafe class Mpi
{
    private static MpiLibrary Lib => MpiLibrary.Load();

    /// <summary>The MPI library in use (loading it if needed).</summary>
    /// <exception cref="MpiLibraryNotFoundException">No MPI library could be loaded.</exception>
    public static string LibraryPath => Lib.Path;

    /// <summary>The ABI of the MPI library in use.</summary>
    public static MpiAbi Abi => Lib.Abi;

    /// <summary>The library's own description (<c>MPI_Get_library_version</c>), such as <c>Open MPI v4.1.4, ...</c>.</summary>
    public static string LibraryVersion => Lib.LibraryVersion();

    /// <summary>Whether an MPI library can be loaded on this machine (nothing is initialised).</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                _ = Lib;
                return true;
            }
            catch (MpiLibraryNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>Whether <c>MPI_Init</c> has run in this process.</summary>
    public static bool IsInitialized
    {
        get
        {
            int flag = 0;
            Lib.Check(Lib.Initialized(&flag), "MPI_Initialized");
            return flag != 0;
        }
    }

    /// <summary>Whether <c>MPI_Finalize</c> has run in this process.</summary>
    public static bool IsFinalized
    {
        get
        {
            int flag = 0;
            Lib.Check(Lib.Finalized(&flag), "MPI_Finalized");
            return flag != 0;
        }
    }

    /// <summary>
    /// Initialises MPI (<c>MPI_Init_thread</c>, serialized) unless it already is, and makes errors on
    /// <c>MPI_COMM_WORLD</c> return to the caller. A process started without a launcher becomes a
    /// world of one.
    /// </summary>
    /// <exception cref="MpiLibraryNotFoundException">No MPI library could be loaded.</exception>
    /// <exception cref="MpiException">MPI could not be initialised, or was already finalised.</exception>
    public static void Initialize()
    {
        var lib = Lib;
        if (IsFinalized)
            throw new MpiException("MPI_Init_thread", -1, "MPI_Init_thread: MPI was already finalised in this process; it cannot be initialised again.");
        if (!IsInitialized)
        {
            int provided = 0;
            lib.Check(lib.InitThread(null, 0, MpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
        }
        lib.Check(lib.CommSetErrhandler(lib.CommWorld, lib.ErrorsReturn), "MPI_Comm_set_errhandler");
    }

    /// <summary>Finalises MPI (<c>MPI_Finalize</c>) if it was initialised and not yet finalised; every process must call it before exiting.</summary>
    public static void Shutdown()
    {
        if (!IsAvailable || !IsInitialized || IsFinalized) return;
        Lib.Check(Lib.Finalize(), "MPI_Finalize");
    }

    /// <summary>This process's rank in <c>MPI_COMM_WORLD</c>.</summary>
    public static int Rank
    {
        get
        {
            int rank = 0;
            Lib.Check(Lib.CommRank(Lib.CommWorld, &rank), "MPI_Comm_rank");
            return rank;
        }
    }

    /// <summary>The number of processes in <c>MPI_COMM_WORLD</c>.</summary>
    public static int Size
    {
        get
        {
            int size = 0;
            Lib.Check(Lib.CommSize(Lib.CommWorld, &size), "MPI_Comm_size");
            return size;
        }
    }

    /// <summary>Seconds since an arbitrary origin (<c>MPI_Wtime</c>).</summary>
    public static double WallTime => Lib.Wtime();

    /// <summary>Blocks until every process has called it (<c>MPI_Barrier</c>).</summary>
    public static void Barrier() => Lib.Check(Lib.Barrier(Lib.CommWorld), "MPI_Barrier");

    /// <summary>Starts a barrier (<c>MPI_Ibarrier</c>).</summary>
    public static MpiRequest StartBarrier()
    {
        nint request = 0;
        Lib.Check(Lib.Ibarrier(Lib.CommWorld, &request), "MPI_Ibarrier");
        return new MpiRequest(Lib, request, "MPI_Ibarrier", []);
    }

    /// <summary>Replaces <paramref name="buffer"/> on every process by rank <paramref name="root"/>'s (<c>MPI_Bcast</c>).</summary>
    /// <param name="buffer">The data: sent from the root, received elsewhere; the same length everywhere.</param>
    /// <param name="root">The sending rank.</param>
    public static void Broadcast<T>(Span<T> buffer, int root) where T : unmanaged
    {
        var type = TypeOf<T>();
        fixed (T* p = buffer) Lib.Check(Lib.Bcast(p, buffer.Length, type, root, Lib.CommWorld), "MPI_Bcast", Describe<T>(buffer.Length));
    }

    /// <summary>Starts a broadcast of <paramref name="count"/> elements of <paramref name="buffer"/> from <paramref name="offset"/> (<c>MPI_Ibcast</c>).</summary>
    public static MpiRequest StartBroadcast<T>(T[] buffer, int offset, int count, int root) where T : unmanaged
    {
        CheckRange(buffer, offset, count, "MPI_Ibcast");
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        nint request = 0;
        int code = Lib.Ibcast((T*)pin.AddrOfPinnedObject() + offset, count, TypeOf<T>(), root, Lib.CommWorld, &request);
        return Started(code, request, "MPI_Ibcast", Describe<T>(count), pin);
    }

    /// <summary>Replaces each element of <paramref name="buffer"/> by its reduction over every process (<c>MPI_Allreduce</c>, in place).</summary>
    public static void AllReduce<T>(Span<T> buffer, MpiOp op = MpiOp.Sum) where T : unmanaged
    {
        var type = TypeOf<T>();
        fixed (T* p = buffer) Lib.Check(Lib.Allreduce((void*)Lib.InPlace, p, buffer.Length, type, OpOf(op), Lib.CommWorld), "MPI_Allreduce", Describe<T>(buffer.Length));
    }

    /// <summary>Starts an in-place all-reduce of <paramref name="count"/> elements of <paramref name="buffer"/> from <paramref name="offset"/> (<c>MPI_Iallreduce</c>).</summary>
    public static MpiRequest StartAllReduce<T>(T[] buffer, int offset, int count, MpiOp op = MpiOp.Sum) where T : unmanaged
    {
        CheckRange(buffer, offset, count, "MPI_Iallreduce");
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        nint request = 0;
        int code = Lib.Iallreduce((void*)Lib.InPlace, (T*)pin.AddrOfPinnedObject() + offset, count, TypeOf<T>(), OpOf(op), Lib.CommWorld, &request);
        return Started(code, request, "MPI_Iallreduce", Describe<T>(count), pin);
    }

    /// <summary>
    /// Gathers every process's <paramref name="send"/> into <paramref name="receive"/>, rank by rank
    /// (<c>MPI_Allgather</c>); <paramref name="receive"/> holds <see cref="Size"/> × <c>send.Length</c> elements.
    /// </summary>
    public static void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
    {
        CheckGather(send.Length, receive.Length, "MPI_Allgather");
        var type = TypeOf<T>();
        fixed (T* s = send)
        fixed (T* r = receive)
            Lib.Check(Lib.Allgather(s, send.Length, type, r, send.Length, type, Lib.CommWorld), "MPI_Allgather", Describe<T>(send.Length));
    }

    /// <summary>Starts an all-gather (<c>MPI_Iallgather</c>); the arrays stay pinned until the request completes.</summary>
    public static MpiRequest StartAllGather<T>(T[] send, T[] receive) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(receive);
        CheckGather(send.Length, receive.Length, "MPI_Iallgather");
        var s = GCHandle.Alloc(send, GCHandleType.Pinned);
        var r = GCHandle.Alloc(receive, GCHandleType.Pinned);
        nint request = 0;
        var type = TypeOf<T>();
        int code = Lib.Iallgather((void*)s.AddrOfPinnedObject(), send.Length, type, (void*)r.AddrOfPinnedObject(), send.Length, type, Lib.CommWorld, &request);
        return Started(code, request, "MPI_Iallgather", Describe<T>(send.Length), s, r);
    }

    /// <summary>Waits for <paramref name="request"/> (<c>MPI_Wait</c>, without a timeout).</summary>
    public static void Wait(MpiRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Wait();
    }

    /// <summary>
    /// Ends every process of the job (<c>MPI_Abort</c> on <c>MPI_COMM_WORLD</c>) with <paramref name="errorCode"/>;
    /// the launcher reports it. Does not return when MPI honours it; otherwise the process exits.
    /// </summary>
    public static void Abort(int errorCode)
    {
        Lib.Abort(Lib.CommWorld, errorCode);
        Environment.Exit(errorCode);
    }

    internal static nint TypeOf<T>() where T : unmanaged
    {
        var lib = Lib;
        if (typeof(T) == typeof(float)) return lib.Float;
        if (typeof(T) == typeof(double)) return lib.Double;
        if (typeof(T) == typeof(int)) return lib.Int32;
        if (typeof(T) == typeof(long)) return lib.Int64;
        if (typeof(T) == typeof(byte)) return lib.Byte;
        throw new NotSupportedException($"MPI: element type {typeof(T).Name} is not supported (expected float, double, int, long or byte).");
    }

    private static nint OpOf(MpiOp op) => op switch
    {
        MpiOp.Sum => Lib.Sum,
        MpiOp.Max => Lib.Max,
        MpiOp.Min => Lib.Min,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "MPI: expected Sum, Max or Min."),
    };

    private static string Describe<T>(int count) => $"{count} {typeof(T).Name} elements";

    private static MpiRequest Started(int code, nint request, string function, string what, params GCHandle[] pins)
    {
        if (code != 0)
        {
            foreach (var pin in pins) pin.Free();
            Lib.Check(code, function, what);
        }
        return new MpiRequest(Lib, request, $"{function} of {what}", pins);
    }

    private static void CheckRange<T>(T[] buffer, int offset, int count, string function)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || count < 0 || offset > buffer.Length - count)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{function}: elements {offset}..{(long)offset + count} are outside the array of {buffer.Length}.");
    }

    private static void CheckGather(int send, int receive, string function)
    {
        long expected = (long)send * Size;
        if (receive != expected)
            throw new ArgumentException($"{function}: the receive buffer holds {receive} elements; expected {Size} processes × {send} = {expected}.");
    }
}
