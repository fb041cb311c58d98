namespace Avalon.Training;

/// <summary>
/// Raised by <c>Fit</c> (with <see cref="FitOptions.OnNonFinite"/> = <see cref="NonFiniteAction.Stop"/>,
/// the default) when a training step's loss, a parameter's gradient or, after an update, a parameter
/// holds a NaN or an infinity. The message names the epoch, the batch, the loss and the first tensor
/// found non-finite.
/// </summary>
/// <remarks>
/// A non-finite loss or gradient is found before <c>optimizer.Step()</c>, so the model keeps the weights of
/// the last good step and the epoch's callbacks (a keep-best <see cref="Callbacks.ModelCheckpoint"/>) never
/// see the bad step. A parameter that turns non-finite during a finite update (an overflow) is found right
/// after the step, and also stops training before any callback saves it.
/// </remarks>
public sealed class NonFiniteException : InvalidOperationException
{
    internal NonFiniteException(int epoch, int batch, double loss, string tensor, long element, double value, string message)
        : base(message)
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        Tensor = tensor;
        Element = element;
        Value = value;
    }

    /// <summary>The epoch of the step, 1-based.</summary>
    public int Epoch { get; }

    /// <summary>The batch of the step within its epoch, 1-based.</summary>
    public int Batch { get; }

    /// <summary>The step's loss (itself NaN or infinite when the loss is what went non-finite).</summary>
    public double Loss { get; }

    /// <summary>
    /// What was found non-finite: <c>loss</c>, <c>grad of NAME</c> or <c>parameter NAME</c>, where NAME is
    /// the parameter's <c>state_dict</c> key (for example <c>fc1.weight</c>).
    /// </summary>
    public string Tensor { get; }

    /// <summary>The flat row-major position of the first non-finite element in <see cref="Tensor"/> (0 for the loss).</summary>
    public long Element { get; }

    /// <summary>The first non-finite value found (NaN, +∞ or −∞).</summary>
    public double Value { get; }
}
