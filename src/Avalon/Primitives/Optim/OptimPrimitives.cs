namespace Avalon.Primitives.Optim;

/// <summary>
/// The fused in-place optimiser updates (see <see cref="OptimizerUpdatePrimitive"/>): one primitive per
/// algorithm and state layout. The optimisers in <c>Avalon.Optim</c> call them; a backend registers a
/// kernel for each.
/// </summary>
[PrimitiveSet]
internal static class OptimPrimitives
{
    /// <summary>SGD without momentum.</summary>
    public static readonly SgdUpdatePrimitive SgdUpdate = new(momentum: false);

    /// <summary>SGD with a momentum buffer.</summary>
    public static readonly SgdUpdatePrimitive SgdMomentumUpdate = new(momentum: true);

    /// <summary>Adam / AdamW.</summary>
    public static readonly AdamUpdatePrimitive AdamUpdate = new(amsgrad: false);

    /// <summary>Adam / AdamW with AMSGrad.</summary>
    public static readonly AdamUpdatePrimitive AdamAmsgradUpdate = new(amsgrad: true);

    /// <summary>RMSprop.</summary>
    public static readonly RmsPropUpdatePrimitive RmsPropUpdate = new(momentum: false, centered: false);

    /// <summary>RMSprop with momentum.</summary>
    public static readonly RmsPropUpdatePrimitive RmsPropMomentumUpdate = new(momentum: true, centered: false);

    /// <summary>Centered RMSprop.</summary>
    public static readonly RmsPropUpdatePrimitive RmsPropCenteredUpdate = new(momentum: false, centered: true);

    /// <summary>Centered RMSprop with momentum.</summary>
    public static readonly RmsPropUpdatePrimitive RmsPropCenteredMomentumUpdate = new(momentum: true, centered: true);

    /// <summary>Adagrad.</summary>
    public static readonly AdagradUpdatePrimitive AdagradUpdate = new();

    /// <summary>The RMSprop update for the given state layout.</summary>
    public static RmsPropUpdatePrimitive RmsProp(bool momentum, bool centered) => (momentum, centered) switch
    {
        (false, false) => RmsPropUpdate,
        (true, false) => RmsPropMomentumUpdate,
        (false, true) => RmsPropCenteredUpdate,
        (true, true) => RmsPropCenteredMomentumUpdate,
    };
}
