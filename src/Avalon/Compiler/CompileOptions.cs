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

    /// <summary>The passes to run, in order (null: <see cref="PassPipeline.Default"/>).</summary>
    public PassPipeline? Pipeline { get; init; }

    /// <summary>
    /// Whether <see cref="Autodiff.Tape.Validate"/> checks the tape after every pass (and names the pass
    /// that broke it). On by default when <see cref="DebugLevel"/> is 1 or more, or in a debug build.
    /// </summary>
    public bool ValidateAfterEachPass { get; init; } = ReadDebugLevel() > 0 || IsDebugBuild;

    /// <summary>
    /// Captured tensors the caller promises not to change while the compiled code is in use (compared by
    /// reference): <see cref="Passes.ConstantFolding"/> and <see cref="Passes.AlgebraicSimplification"/>
    /// may then use their values at compile time. Other captured tensors are read when the code runs.
    /// </summary>
    public ISet<Tensor> FrozenConstants { get; init; } = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);

    /// <summary>The most elements a constant-folded call may produce (larger results are computed at run time).</summary>
    public int ConstantFoldingLimit { get; init; } = 1 << 16;

    /// <summary>
    /// Whether a compiled function copies its outputs out of the arena (fresh tensors the caller may keep)
    /// instead of returning arena-backed tensors that the next run overwrites.
    /// </summary>
    public bool CopyOutputs { get; init; }

    /// <summary>What compiling does when a trace read a traced tensor's value on the host (data-dependent control flow).</summary>
    public DataDependencePolicy OnDataDependentTrace { get; init; } = DataDependencePolicy.Refuse;

    private static int ReadDebugLevel() =>
        int.TryParse(Environment.GetEnvironmentVariable("AVALON_DEBUG"), out int level) && level > 0 ? level : 0;

#if DEBUG
    private const bool IsDebugBuild = true;
#else
    private const bool IsDebugBuild = false;
#endif
}
