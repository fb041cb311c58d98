namespace Avalon.Compiler;

/// <summary>
/// What to do when the traced function read the value of a traced tensor on the host (<c>Item()</c>,
/// <c>ToArray()</c>) while it was recorded: its control flow may then depend on the data, which a
/// compiled tape, frozen at trace time, does not follow.
/// </summary>
public enum DataDependencePolicy
{
    /// <summary>Raise an <see cref="InvalidOperationException"/> naming the read (the default).</summary>
    Refuse,

    /// <summary>Write a warning to <see cref="CompileOptions.DebugWriter"/> and compile anyway.</summary>
    Warn,

    /// <summary>Compile silently: the caller knows the read does not change the computation.</summary>
    Ignore,
}
