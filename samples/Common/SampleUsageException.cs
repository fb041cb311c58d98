namespace Avalon.Samples.Common;

/// <summary>
/// The command line asked for help (<c>--help</c>, <c>-h</c>) or was wrong (an unknown option, a missing or
/// malformed value); the message says which and lists the known options. <see cref="SampleMain.Run"/> turns it
/// into the usage text and exit code 0, or the message and exit code 2.
/// </summary>
public sealed class SampleUsageException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong, or the usage text when <paramref name="helpRequested"/>.</param>
    /// <param name="helpRequested">Whether <c>--help</c> was asked for.</param>
    public SampleUsageException(string message, bool helpRequested = false) : base(message) => HelpRequested = helpRequested;

    /// <summary>Whether <c>--help</c> (or <c>-h</c>) was asked for, rather than an error.</summary>
    public bool HelpRequested { get; }
}
