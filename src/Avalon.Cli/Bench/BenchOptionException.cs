namespace Avalon.Cli.Bench;

/// <summary>A benchmark option out of range: the message names the option, the value and what is allowed.</summary>
internal sealed class BenchOptionException(string message) : ArgumentException(message);
