namespace Avalon.Distributed;

/// <summary>An MPI call returned an error; the message carries MPI's own error string.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="function">The MPI function that failed, such as <c>MPI_Allreduce</c>.</param>
    /// <param name="errorCode">The error code it returned.</param>
    /// <param name="message">The full message.</param>
    public MpiException(string function, int errorCode, string message) : base(message)
    {
        Function = function;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed.</summary>
    public string Function { get; }

    /// <summary>The error code it returned (an <c>MPI_ERR_*</c> class or an implementation's code).</summary>
    public int ErrorCode { get; }
}
