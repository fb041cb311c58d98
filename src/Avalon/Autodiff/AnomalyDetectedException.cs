namespace Avalon.Autodiff;

/// <summary>Which half of the computation an anomaly was found in.</summary>
public enum AnomalyPhase
{
    /// <summary>A primitive's forward output.</summary>
    Forward,

    /// <summary>A gradient returned by a primitive's derivative rule.</summary>
    Backward,
}

/// <summary>
/// Raised inside <see cref="Autograd.DetectAnomaly"/> at the first primitive call whose forward output,
/// or whose derivative rule's gradient, holds a NaN. The message names the primitive, the phase, the
/// input shapes and the position of the NaN.
/// </summary>
public sealed class AnomalyDetectedException : InvalidOperationException
{
    internal AnomalyDetectedException(string primitive, AnomalyPhase phase, IReadOnlyList<string> inputs, int? gradientInput, long element, string message)
        : base(message)
    {
        Primitive = primitive;
        Phase = phase;
        Inputs = inputs;
        GradientInput = gradientInput;
        Element = element;
    }

    /// <summary>The name of the primitive, for example <c>log</c>.</summary>
    public string Primitive { get; }

    /// <summary>Whether the NaN came out of the forward kernel or the derivative rule.</summary>
    public AnomalyPhase Phase { get; }

    /// <summary>The dtype and shape of each input of the offending call, for example <c>float32[2, 3]</c>.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>In the backward phase, the input whose returned gradient holds the NaN; <see langword="null"/> in the forward phase, and when the NaN appeared in an intermediate step of the derivative rule (then <see cref="Inputs"/> are that step's inputs).</summary>
    public int? GradientInput { get; }

    /// <summary>The flat row-major position of the first NaN in the offending tensor.</summary>
    public long Element { get; }
}
