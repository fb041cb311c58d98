using System.Globalization;

namespace Avalon.Nn;

/// <summary>
/// What <see cref="RNNCell"/>, <see cref="LSTMCell"/> and <see cref="GRUCell"/> share (PyTorch's
/// <c>RNNCellBase</c>): the sizes, the parameters <c>weight_ih</c> <c>[G·hidden_size, input_size]</c>,
/// <c>weight_hh</c> <c>[G·hidden_size, hidden_size]</c>, <c>bias_ih</c> and <c>bias_hh</c>
/// <c>[G·hidden_size]</c> (G = 1, 4 or 3), their initialisation U(−1/√hidden_size, 1/√hidden_size) and
/// the checks of a step's input and state.
/// </summary>
public abstract class RNNCellBase : Module
{
    private protected RNNCellBase(int inputSize, int hiddenSize, bool bias, int gates, DType? dtype, Generator? generator)
    {
        if (inputSize < 0)
            throw OpErrors.Argument(TypeName, $"input_size must be non-negative, got {inputSize}.", nameof(inputSize));
        if (hiddenSize <= 0)
            throw OpErrors.Argument(TypeName, $"hidden_size must be greater than zero, got {hiddenSize}.", nameof(hiddenSize));
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        var dt = dtype ?? Tensor.DefaultDType;
        WeightIh = Tensor.Zeros([gates * hiddenSize, inputSize], dt).RequiresGrad_();
        WeightHh = Tensor.Zeros([gates * hiddenSize, hiddenSize], dt).RequiresGrad_();
        BiasIh = bias ? Tensor.Zeros([gates * hiddenSize], dt).RequiresGrad_() : null;
        BiasHh = bias ? Tensor.Zeros([gates * hiddenSize], dt).RequiresGrad_() : null;
        ResetParameters(generator);
    }

    /// <summary>The number of features of the input.</summary>
    public int InputSize { get; }

    /// <summary>The number of features of the hidden state.</summary>
    public int HiddenSize { get; }

    /// <summary>W_ih, shape <c>[G·hidden_size, input_size]</c>.</summary>
    public Tensor WeightIh { get; set; }

    /// <summary>W_hh, shape <c>[G·hidden_size, hidden_size]</c>.</summary>
    public Tensor WeightHh { get; set; }

    /// <summary>b_ih, shape <c>[G·hidden_size]</c>, or null when built with <c>bias: false</c>.</summary>
    public Tensor? BiasIh { get; set; }

    /// <summary>b_hh, shape <c>[G·hidden_size]</c>, or null when built with <c>bias: false</c>.</summary>
    public Tensor? BiasHh { get; set; }

    /// <summary>Draws fresh parameters the way PyTorch does: every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        double bound = 1 / Math.Sqrt(HiddenSize);
        foreach (var p in (Tensor?[])[WeightIh, WeightHh, BiasIh, BiasHh])
            if (p is not null) Init.Uniform_(p, -bound, bound, generator);
    }

    /// <inheritdoc />
    public override string ExtraRepr()
    {
        var s = string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}");
        if (BiasIh is null) s += ", bias=False";
        return s;
    }

    /// <summary>
    /// Checks a step's input ([B, input_size] or unbatched [input_size]) and state, and gives them the batch
    /// dim; Batched says whether to take it off the results.
    /// </summary>
    private protected (Tensor Input, Tensor? State, bool Batched) Prepare(Tensor input, Tensor? state, string stateName)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (1 or 2))
            throw OpErrors.Argument(TypeName, $"expected input to be 1-D or 2-D but received {input.Rank}-D tensor of shape {input.Shape}.", nameof(input));
        if (input.Size(-1) != InputSize)
            throw OpErrors.Argument(TypeName, $"input has inconsistent input_size: got {input.Size(-1)} (shape {input.Shape}), expected {InputSize}.", nameof(input));
        if (input.DType != WeightIh.DType)
            throw OpErrors.Argument(TypeName, $"input must have the type {WeightIh.DType.Name()}, got type {input.DType.Name()}. Convert the input or the module with .To(DType).", nameof(input));
        bool batched = input.Rank == 2;
        int batch = batched ? input.Size(0) : 1;
        if (state is not null)
        {
            int[] expected = batched ? [batch, HiddenSize] : [HiddenSize];
            if (state.Rank != expected.Length || !state.Shape.ToArray().SequenceEqual(expected))
                throw OpErrors.Argument(
                    TypeName, $"expected {stateName} of shape [{string.Join(", ", expected)}] for input {input.Shape}, got {state.Shape}.");
            if (state.DType != WeightIh.DType)
                throw OpErrors.Argument(TypeName, $"{stateName} must have the type {WeightIh.DType.Name()}, got type {state.DType.Name()}.");
        }
        if (!batched)
        {
            input = input.Unsqueeze(0);
            state = state?.Unsqueeze(0);
        }
        return (input, state, batched);
    }

    /// <summary>Zeros of shape <c>[B, hidden_size]</c> for a missing state.</summary>
    private protected Tensor ZeroState(Tensor input) => Tensor.Zeros([input.Size(0), HiddenSize], input.DType, input.Device);
}
