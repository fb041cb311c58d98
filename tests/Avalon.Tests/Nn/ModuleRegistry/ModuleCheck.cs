namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>The generic checks the registry drives; an entry can mark one as not applicable, with a reason.</summary>
internal enum ModuleCheck
{
    /// <summary>Forward in float32 and, after <c>To(Float64)</c>, in float64, with the documented shape.</summary>
    Forward,

    /// <summary><c>ToString()</c> starts with the PyTorch type name and carries no namespace.</summary>
    Repr,

    /// <summary>StateDict into a fresh instance, and through a checkpoint file, gives identical outputs.</summary>
    StateDict,

    /// <summary>Grad.Of equals eager Backward, for parameters and inputs.</summary>
    Gradients,

    /// <summary>Float64 central differences agree with the analytic gradient on a few elements.</summary>
    FiniteDifferences,

    /// <summary>Train/Eval propagate, ZeroGrad clears, frozen parameters get no gradient.</summary>
    Modes,

    /// <summary>The same seed builds identical parameters (and draws identical masks).</summary>
    Determinism,

    /// <summary>A traced forward replayed on new inputs equals eager forward.</summary>
    TapeReplay,
}
