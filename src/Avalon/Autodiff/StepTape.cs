namespace Avalon.Autodiff;

/// <summary>
/// A traced training step: a tape whose inputs are a model's parameters followed by a batch (any dtype:
/// images, int64 labels, bool masks), whose outputs are the step function's outputs (the loss first,
/// then any metrics) followed by the loss's gradient with respect to every trainable parameter. Running
/// it on the next batch does what running the step eagerly would: in-place updates the step makes
/// (batch-norm running statistics) are recorded and happen again, random primitives draw fresh seeds
/// from their generators, and the parameters are read as they are now (an optimiser updates them in
/// place between runs).
/// </summary>
public sealed class StepTape
{
    private readonly IParameterSource _model;
    private readonly string[] _parameterNames;
    private readonly string[] _trainableNames;
    private readonly int _outputCount;
    private readonly Primitives.TensorSpec[] _batchSpecs;

    internal StepTape(Tape tape, IParameterSource model, string[] parameterNames, string[] trainableNames, int outputCount, Tensor[] batch)
    {
        Tape = tape;
        _model = model;
        _parameterNames = parameterNames;
        _trainableNames = trainableNames;
        _outputCount = outputCount;
        _batchSpecs = batch.Select(b => b.Spec).ToArray();
    }

    /// <summary>The tape: parameters and batch in, step outputs and gradients out.</summary>
    public Tape Tape { get; }

    /// <summary>The names of the parameters whose gradients the tape returns, in order.</summary>
    public IReadOnlyList<string> GradientNames => _trainableNames;

    /// <summary>How many outputs the step function returned (the loss first).</summary>
    public int OutputCount => _outputCount;

    /// <summary>
    /// Runs the step on a batch of the recorded shapes and dtypes with the model's current parameters:
    /// the step's outputs and the gradients by parameter name.
    /// </summary>
    /// <exception cref="ArgumentException">The batch differs in count, shape or dtype from the traced one, or the model's parameters changed.</exception>
    public (Tensor[] Outputs, IReadOnlyDictionary<string, Tensor> Gradients) Run(params Tensor[] batch)
    {
        if (batch.Length != _batchSpecs.Length)
            throw OpErrors.Argument("StepTape.Run", $"the step was traced with {_batchSpecs.Length} batch tensors but {batch.Length} were given.");
        var parameters = _model.NamedParameters().ToArray();
        if (!parameters.Select(p => p.Key).SequenceEqual(_parameterNames))
            throw OpErrors.Argument("StepTape.Run", "the model's parameters are not the ones traced (names or order changed); trace the step again.");
        var inputs = parameters.Select(p => p.Value).Concat(batch).ToArray();
        var results = Tape.Run(inputs);
        var grads = new Dictionary<string, Tensor>(_trainableNames.Length);
        for (int i = 0; i < _trainableNames.Length; i++) grads[_trainableNames[i]] = results[_outputCount + i];
        return (results[.._outputCount], grads);
    }
}
