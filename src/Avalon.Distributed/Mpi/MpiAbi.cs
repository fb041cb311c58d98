namespace Avalon.Distributed;

/// <summary>The binary interface of the loaded MPI library, detected from its exported symbols.</summary>
public enum MpiAbi
{
    /// <summary>Open MPI: handles are pointers to predefined objects the library exports (<c>ompi_mpi_comm_world</c>, ...).</summary>
    OpenMpi,

    /// <summary>MPICH and the libraries sharing its ABI (Intel MPI, MVAPICH, Cray MPICH): handles are integer constants.</summary>
    Mpich,
}
