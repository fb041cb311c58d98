namespace Avalon.Distributed;

/// <summary>No MPI library could be loaded (none installed, or <c>AVALON_MPI_LIB</c> names a file that is not one).</summary>
public sealed class MpiLibraryNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was tried and what to do.</param>
    public MpiLibraryNotFoundException(string message) : base(message)
    {
    }
}
