using Avalon.Autodiff;

namespace Avalon.Compiler;

/// <summary>
/// One optimisation pass: a rewrite of a tape into an equivalent tape (same inputs, outputs with the same
/// specs and values). Passes are named so that they can be printed before and after, switched off by name
/// and extended with user passes.
/// </summary>
public interface ITapePass
{
    /// <summary>The pass's name (snake_case, e.g. <c>dead_code</c>), as it prints and as it is switched off.</summary>
    string Name { get; }

    /// <summary>Rewrites <paramref name="tape"/>; returns it unchanged when there is nothing to do.</summary>
    Tape Run(Tape tape, PassContext context);
}
