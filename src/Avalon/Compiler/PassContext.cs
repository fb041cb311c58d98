namespace Avalon.Compiler;

/// <summary>What a pass may consult besides the tape: the compilation's options and its debug log.</summary>
public sealed class PassContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="options">The compilation's options (default options when null).</param>
    public PassContext(CompileOptions? options = null) => Options = options ?? new CompileOptions();

    /// <summary>The options the compilation runs with.</summary>
    public CompileOptions Options { get; }

    /// <summary>Writes one line to the debug log when <see cref="CompileOptions.DebugLevel"/> is at least <paramref name="level"/>.</summary>
    public void Log(int level, string line)
    {
        if (Options.DebugLevel >= level) Options.DebugWriter.WriteLine(line);
    }
}
