namespace Avalon.Compiler;

/// <summary>How a tape is compiled: which passes run and how much is printed.</summary>
public sealed class CompileOptions
{
    /// <summary>
    /// Debug output: 0 none, 1 the passes with op counts and times, 2 also the tape after each pass,
    /// 3 also the generated code. Defaults to the <c>AVALON_DEBUG</c> environment variable.
    /// </summary>
    public int DebugLevel { get; init; } = ReadDebugLevel();

    /// <summary>Where debug output goes (standard error by default).</summary>
    public TextWriter DebugWriter { get; init; } = Console.Error;

    /// <summary>Names of passes that do not run.</summary>
    public ISet<string> DisabledPasses { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    private static int ReadDebugLevel() =>
        int.TryParse(Environment.GetEnvironmentVariable("AVALON_DEBUG"), out int level) && level > 0 ? level : 0;
}
