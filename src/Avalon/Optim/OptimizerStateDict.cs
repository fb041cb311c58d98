namespace Avalon.Optim;

/// <summary>
/// The state of an optimiser as plain data, structured like PyTorch's <c>optimizer.state_dict()</c>:
/// per-parameter state by parameter index, and the parameter groups with their hyperparameters.
/// </summary>
/// <remarks>
/// <para>
/// Parameters are numbered in order across the groups (the first parameter of the second group
/// follows the last parameter of the first), as PyTorch does. Only parameters that have state appear
/// in <see cref="State"/>.
/// </para>
/// <para>
/// State values are <see cref="Tensor"/> (a copy, e.g. <c>exp_avg</c>, <c>exp_avg_sq</c>,
/// <c>max_exp_avg_sq</c>, <c>momentum_buffer</c>, <c>square_avg</c>, <c>grad_avg</c>, <c>sum</c>) or
/// numbers (<c>step</c>: a <see cref="double"/> for Adam, AdamW and Adagrad, whose PyTorch step is a
/// float tensor; a <see cref="long"/> for RMSprop, whose PyTorch step is an int). Hyperparameters are
/// <see cref="double"/>, <see cref="bool"/>, <see cref="string"/> or <c>double[]</c> (<c>betas</c>).
/// </para>
/// </remarks>
/// <param name="State">Parameter index → state key → value.</param>
/// <param name="ParamGroups">The parameter groups, in order.</param>
public sealed record OptimizerStateDict(
    Dictionary<int, Dictionary<string, object>> State,
    List<ParamGroupState> ParamGroups);

/// <summary>One parameter group of an <see cref="OptimizerStateDict"/>.</summary>
/// <param name="Params">The indices of the group's parameters.</param>
/// <param name="Options">Hyperparameter name (PyTorch's, e.g. <c>lr</c>) → value.</param>
public sealed record ParamGroupState(int[] Params, Dictionary<string, object> Options);
