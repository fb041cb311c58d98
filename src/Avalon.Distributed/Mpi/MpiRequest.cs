using System.Runtime.InteropServices;

namespace Avalon.Distributed;

/// <summary>
/// A non-blocking MPI operation in flight (an <c>MPI_Request</c>): <see cref="Test"/> asks whether it has
/// completed (<c>MPI_Test</c>), <see cref="Wait"/> blocks until it has (<c>MPI_Wait</c>). The arrays it
/// reads and writes stay pinned until it completes; do not touch them before.
/// </summary>
/// <remarks>
/// MPI makes progress on most transports only inside MPI calls, so a request left alone may not advance;
/// <see cref="Test"/> is the cheap call that lets it. <see cref="ProcessGroup.Wait(MpiRequest)"/> waits
/// with a deadline instead of forever.
/// </remarks>
public sealed unsafe class MpiRequest
{
    private readonly MpiLibrary _mpi;
    private nint _handle;
    private GCHandle[] _pins;

    internal MpiRequest(MpiLibrary mpi, nint handle, string operation, GCHandle[] pins)
    {
        _mpi = mpi;
        _handle = mpi.ReadRequest(handle);
        _pins = pins;
        Operation = operation;
        if (_handle == mpi.RequestNull) Release();
    }

    /// <summary>What the request does, for messages (for example <c>MPI_Iallreduce of 1024 float32</c>).</summary>
    public string Operation { get; }

    /// <summary>Whether the operation has completed (its buffers are released).</summary>
    public bool IsCompleted => _pins.Length == 0 && _handle == _mpi.RequestNull;

    /// <summary>Whether the operation has completed, letting MPI progress it (<c>MPI_Test</c>); true also for a request already completed.</summary>
    /// <exception cref="MpiException">MPI reported an error for the operation.</exception>
    public bool Test()
    {
        if (IsCompleted) return true;
        nint slot = _handle;
        int flag = 0;
        int code = _mpi.Test(&slot, &flag, _mpi.StatusIgnore);
        if (code != 0) Fail(code, "MPI_Test");
        if (flag == 0) return false;
        _handle = _mpi.RequestNull;
        Release();
        return true;
    }

    /// <summary>Blocks until the operation completes (<c>MPI_Wait</c>, no timeout: prefer <see cref="ProcessGroup.Wait(MpiRequest)"/>).</summary>
    /// <exception cref="MpiException">MPI reported an error for the operation.</exception>
    public void Wait()
    {
        if (IsCompleted) return;
        nint slot = _handle;
        int code = _mpi.Wait(&slot, _mpi.StatusIgnore);
        if (code != 0) Fail(code, "MPI_Wait");
        _handle = _mpi.RequestNull;
        Release();
    }

    private void Fail(int code, string function)
    {
        _handle = _mpi.RequestNull;
        Release();
        _mpi.Check(code, function, Operation);
    }

    private void Release()
    {
        foreach (var pin in _pins) pin.Free();
        _pins = [];
    }
}
