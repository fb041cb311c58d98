using System.Runtime.InteropServices;
using System.Text;

namespace Avalon.Distributed;

/// <summary>
/// The loaded MPI library: its ABI, the handles of the predefined objects Avalon uses and the entry
/// points, resolved once with <see cref="NativeLibrary"/>.
/// </summary>
/// <remarks>
/// <para>Open MPI's handles are pointers (the addresses of exported objects such as
/// <c>ompi_mpi_comm_world</c>); MPICH's are <c>int</c> constants from its <c>mpi.h</c>. Both are held
/// here as <see cref="nint"/> and passed in a full argument register: on the 64-bit System V and AArch64
/// calling conventions an <c>int</c> argument occupies the same slot and the callee reads its low 32 bits,
/// so one set of function-pointer signatures serves both ABIs. Request handles live in 8-byte slots,
/// zeroed before MPICH writes its 4-byte handle into their low half (little-endian).</para>
/// </remarks>
internal sealed unsafe class MpiLibrary
{
    public const int ThreadSerialized = 2;   // MPI_THREAD_SERIALIZED, the same value in both ABIs

    private static readonly object Gate = new();
    private static MpiLibrary? _loaded;

    private MpiLibrary(string path, nint handle)
    {
        Path = path;
        Handle = handle;
        Abi = NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _) ? MpiAbi.OpenMpi : MpiAbi.Mpich;
        if (Abi == MpiAbi.OpenMpi)
        {
            CommWorld = Export("ompi_mpi_comm_world");
            Float = Export("ompi_mpi_float");
            Double = Export("ompi_mpi_double");
            Int32 = Export("ompi_mpi_int");
            Int64 = Export("ompi_mpi_int64_t");
            Byte = Export("ompi_mpi_byte");
            Sum = Export("ompi_mpi_op_sum");
            Max = Export("ompi_mpi_op_max");
            Min = Export("ompi_mpi_op_min");
            RequestNull = Export("ompi_request_null");
            ErrorsReturn = Export("ompi_mpi_errors_return");
            InPlace = 1;
            StatusIgnore = 0;
        }
        else
        {
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Double = 0x4c00080b;
            Int32 = 0x4c000405;
            Int64 = 0x4c00083a;
            Byte = 0x4c00010d;
            Sum = 0x58000003;
            Max = 0x58000001;
            Min = 0x58000002;
            RequestNull = 0x2c000000;
            ErrorsReturn = 0x54000001;
            InPlace = -1;
            StatusIgnore = 1;
        }
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        Barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)Export("MPI_Ibarrier");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        Iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        Allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Allgather");
        Iallgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int>)Export("MPI_Iallgather");
        Wait = (delegate* unmanaged<nint*, nint, int>)Export("MPI_Wait");
        Test = (delegate* unmanaged<nint*, int*, nint, int>)Export("MPI_Test");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");
        Wtime = (delegate* unmanaged<double>)Export("MPI_Wtime");
    }

    /// <summary>The file that was loaded.</summary>
    public string Path { get; }

    public nint Handle { get; }

    public MpiAbi Abi { get; }

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Int32 { get; }
    public nint Int64 { get; }
    public nint Byte { get; }
    public nint Sum { get; }
    public nint Max { get; }
    public nint Min { get; }
    public nint RequestNull { get; }
    public nint ErrorsReturn { get; }
    public nint InPlace { get; }
    public nint StatusIgnore { get; }

    public delegate* unmanaged<int*, int> Initialized { get; }
    public delegate* unmanaged<int*, int> Finalized { get; }
    public delegate* unmanaged<int*, nint, int, int*, int> InitThread { get; }
    public delegate* unmanaged<int> Finalize { get; }
    public delegate* unmanaged<nint, int*, int> CommRank { get; }
    public delegate* unmanaged<nint, int*, int> CommSize { get; }
    public delegate* unmanaged<nint, nint, int> CommSetErrhandler { get; }
    public delegate* unmanaged<nint, int> Barrier { get; }
    public delegate* unmanaged<nint, nint*, int> Ibarrier { get; }
    public delegate* unmanaged<void*, int, nint, int, nint, int> Bcast { get; }
    public delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast { get; }
    public delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce { get; }
    public delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> Iallreduce { get; }
    public delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Allgather { get; }
    public delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int> Iallgather { get; }
    public delegate* unmanaged<nint*, nint, int> Wait { get; }
    public delegate* unmanaged<nint*, int*, nint, int> Test { get; }
    public delegate* unmanaged<int, byte*, int*, int> ErrorString { get; }
    public delegate* unmanaged<nint, int, int> Abort { get; }
    public delegate* unmanaged<byte*, int*, int> GetLibraryVersion { get; }
    public delegate* unmanaged<double> Wtime { get; }

    /// <summary>The candidates tried in order when <c>AVALON_MPI_LIB</c> is unset.</summary>
    public static readonly string[] DefaultNames =
    [
        "libmpi.so.40",      // Open MPI 3.x-5.x
        "libmpi.so.12",      // MPICH 3.1+ (and Intel MPI, MVAPICH)
        "libmpich.so.12",
        "libmpi.so",
        "libmpich.so",
        "libmpi.dylib",
    ];

    /// <summary>The environment variable that names the MPI library to load (a path or a name the loader finds).</summary>
    public const string LibraryVariable = "AVALON_MPI_LIB";

    public static MpiLibrary Load()
    {
        lock (Gate)
        {
            if (_loaded is not null) return _loaded;
            string? chosen = Environment.GetEnvironmentVariable(LibraryVariable);
            var tried = new List<string>();
            string[] names = string.IsNullOrWhiteSpace(chosen) ? DefaultNames : [chosen];
            foreach (var name in names)
            {
                if (!NativeLibrary.TryLoad(name, out var handle))
                {
                    tried.Add(name);
                    continue;
                }
                if (!NativeLibrary.TryGetExport(handle, "MPI_Init_thread", out _))
                {
                    tried.Add($"{name} (loaded, but it exports no MPI_Init_thread: not an MPI library)");
                    continue;
                }
                return _loaded = new MpiLibrary(name, handle);
            }
            throw new MpiLibraryNotFoundException(
                $"MPI: no MPI library could be loaded (tried {string.Join(", ", tried)}). Install Open MPI or MPICH " +
                $"(Debian/Ubuntu: apt-get install openmpi-bin), or set {LibraryVariable} to the library's path.");
        }
    }

    /// <summary>Throws <see cref="MpiException"/> with MPI's error string when <paramref name="code"/> is not <c>MPI_SUCCESS</c>.</summary>
    public void Check(int code, string function, string? context = null)
    {
        if (code == 0) return;
        throw new MpiException(function, code, $"{function} failed{(context is null ? "" : " (" + context + ")")}: {Describe(code)} (MPI error {code}).");
    }

    public string Describe(int code)
    {
        var buffer = stackalloc byte[1024];
        int length = 0;
        if (ErrorString(code, buffer, &length) != 0 || length <= 0) return "unknown MPI error";
        return Encoding.UTF8.GetString(buffer, Math.Min(length, 1023)).TrimEnd('\0', ' ', '\n');
    }

    public string LibraryVersion()
    {
        var buffer = new byte[8192];
        int length = 0;
        fixed (byte* p = buffer) Check(GetLibraryVersion(p, &length), "MPI_Get_library_version");
        return Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0', ' ', '\n');
    }

    /// <summary>A request handle as read from its slot (MPICH writes only the low 32 bits).</summary>
    public nint ReadRequest(nint slot) => Abi == MpiAbi.Mpich ? (nint)(int)slot : slot;

    private nint Export(string name)
    {
        if (NativeLibrary.TryGetExport(Handle, name, out var address)) return address;
        throw new MpiLibraryNotFoundException($"MPI: {Path} ({Abi} ABI) does not export {name}; it is not an MPI-3 library Avalon can use. Set {LibraryVariable} to another.");
    }
}
