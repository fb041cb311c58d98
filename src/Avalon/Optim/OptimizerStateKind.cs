namespace Avalon.Optim;

/// <summary>What kind of value a per-parameter optimiser state entry holds (see <see cref="OptimizerStateEntry"/>).</summary>
public enum OptimizerStateKind
{
    /// <summary>A floating-point tensor of the parameter's shape (for example <c>exp_avg</c>); loaded state is converted to the parameter's dtype.</summary>
    ParameterShapedTensor,

    /// <summary>A finite, non-negative count stored as a <see cref="double"/> (Adam's and Adagrad's <c>step</c>, a float tensor in PyTorch).</summary>
    Count,

    /// <summary>A non-negative count stored as a <see cref="long"/> (RMSprop's <c>step</c>, an int in PyTorch).</summary>
    IntegerCount,
}
