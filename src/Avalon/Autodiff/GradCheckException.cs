namespace Avalon.Autodiff;

/// <summary>Thrown by <see cref="GradCheck"/> when a function's analytical and numerical derivatives disagree.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception with its message (which names the output and input elements and both values).</summary>
    /// <param name="message">The description of the mismatch.</param>
    public GradCheckException(string message) : base(message) { }

    /// <summary>Creates the exception without a message.</summary>
    public GradCheckException() { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The description.</param>
    /// <param name="innerException">The cause.</param>
    public GradCheckException(string message, Exception innerException) : base(message, innerException) { }
}
