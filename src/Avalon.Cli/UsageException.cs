namespace Avalon.Cli;

/// <summary>A command line that asks for something impossible (an unknown format, a conversion that cannot be done): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
