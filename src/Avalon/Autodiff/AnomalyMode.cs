using System.Globalization;
using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// Switches for the autograd machinery as a whole (PyTorch's <c>torch.autograd</c> module functions).
/// </summary>
public static partial class Autograd
{
    /// <summary>
    /// Turns on anomaly detection on this thread until the returned scope is disposed (PyTorch's
    /// <c>torch.autograd.detect_anomaly()</c>): <c>using (Autograd.DetectAnomaly()) { ... }</c>.
    /// </summary>
    /// <remarks>
    /// <para>While the scope is active, the output of every primitive call (forward) and every gradient a
    /// derivative rule returns (backward, eager <c>Backward()</c> and <c>Grad.Of</c> alike) is checked for
    /// NaN, and the first NaN raises <see cref="AnomalyDetectedException"/> naming the primitive, the
    /// phase (forward or backward), the input shapes and the position of the NaN. A derivative rule is
    /// written with primitives; a NaN in one of its intermediate steps is reported as the backward of the
    /// rule's primitive, naming the step. Only NaN is flagged,
    /// in both phases: infinities are left alone, because they are legitimate results of many
    /// computations (log of 0, a masked −∞ before a softmax) that end finite.</para>
    /// <para>Checking reads every result once, which slows a program down; use it to find where a NaN
    /// first appears, not in production. When no scope is active the cost per call is one read of a
    /// thread-static flag. The mode belongs to the thread that entered it: work on other threads (for
    /// example a <see cref="Data.DataLoader"/>'s prefetch worker) is not checked. Scopes nest; disposing
    /// one restores the state before it.</para>
    /// </remarks>
    /// <returns>The scope; dispose it to restore the previous state.</returns>
    /// <example>
    /// <code>
    /// using (Autograd.DetectAnomaly())
    /// {
    ///     var loss = model.Forward(x).Log().Mean();
    ///     loss.Backward();   // throws AnomalyDetectedException at the first NaN, naming the primitive
    /// }
    /// </code>
    /// </example>
    public static AnomalyDetectionScope DetectAnomaly() => new();

    /// <summary>Whether anomaly detection is on for this thread (inside a <see cref="DetectAnomaly"/> scope).</summary>
    public static bool IsAnomalyDetectionEnabled => AnomalyMode.Enabled;
}

/// <summary>
/// The scope returned by <see cref="Autograd.DetectAnomaly"/>: anomaly detection is on for this thread
/// until it is disposed. Disposing it twice does nothing the second time.
/// </summary>
public sealed class AnomalyDetectionScope : IDisposable
{
    private readonly bool _previous;
    private bool _disposed;

    internal AnomalyDetectionScope()
    {
        _previous = AnomalyMode.Enabled;
        AnomalyMode.Enabled = true;
    }

    /// <summary>Leaves the scope, restoring the state before it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        AnomalyMode.Enabled = _previous;
    }
}

/// <summary>
/// The checks behind <see cref="Autograd.DetectAnomaly"/>, hooked into <c>Primitive.Invoke</c>
/// (<see cref="CheckForward"/>, after the kernel) and <c>RuleRunner.Apply</c> (<see cref="RunRule"/>,
/// in place of the call of the derivative rule). With the mode off each costs one thread-static read.
/// </summary>
internal static class AnomalyMode
{
    [ThreadStatic] internal static bool Enabled;

    // The primitive whose derivative rule is running on this thread (the rule's own primitive calls
    // are then reported as part of that rule's backward), or null outside rules.
    [ThreadStatic] private static Primitive? t_rule;

    /// <summary>After a primitive's kernel: throws when anomaly detection is on and the output holds a NaN.</summary>
    public static void CheckForward(Primitive primitive, Tensor[] inputs, Tensor output)
    {
        if (!Enabled) return;
        CheckForwardSlow(primitive, inputs, output);
    }

    /// <summary>
    /// Runs <paramref name="primitive"/>'s derivative rule; when anomaly detection is on, the NaN checks of
    /// the primitives the rule calls are reported as this rule's backward, and the gradients it returns
    /// for the inputs that need one are checked for NaN.
    /// </summary>
    public static Tensor?[] RunRule(Primitive primitive, GradContext context)
    {
        if (!Enabled) return primitive.Backward(context);
        return RunRuleChecked(primitive, context);
    }

    private static Tensor?[] RunRuleChecked(Primitive primitive, GradContext context)
    {
        var outer = t_rule;
        t_rule = primitive;
        Tensor?[] grads;
        try
        {
            grads = primitive.Backward(context);
        }
        finally
        {
            t_rule = outer;
        }
        var needs = context.NeedsInputGrad;
        for (int i = 0; i < grads.Length && i < needs.Length; i++)
        {
            if (!needs[i] || grads[i] is not { } g) continue;
            long at = FirstNaN(g);
            if (at < 0) continue;
            throw new AnomalyDetectedException(primitive.Name, AnomalyPhase.Backward, Specs(context.Inputs), i, at, string.Create(CultureInfo.InvariantCulture,
                $"Anomaly detected: the backward (derivative rule) of '{primitive.Name}' returned NaN in the gradient of input {i} {Spec(g)} at flat element {at}; inputs of '{primitive.Name}': {SpecList(context.Inputs)}."));
        }
        return grads;
    }

    private static void CheckForwardSlow(Primitive primitive, Tensor[] inputs, Tensor output)
    {
        long at = FirstNaN(output);
        if (at < 0) return;
        if (t_rule is { } rule)
        {
            throw new AnomalyDetectedException(rule.Name, AnomalyPhase.Backward, Specs(inputs), null, at, string.Create(CultureInfo.InvariantCulture,
                $"Anomaly detected: the backward (derivative rule) of '{rule.Name}' produced NaN in its '{primitive.Name}' step, output {Spec(output)} at flat element {at}; inputs of that step: {SpecList(inputs)}."));
        }
        throw new AnomalyDetectedException(primitive.Name, AnomalyPhase.Forward, Specs(inputs), null, at, string.Create(CultureInfo.InvariantCulture,
            $"Anomaly detected: the forward of '{primitive.Name}' returned NaN in its output {Spec(output)} at flat element {at}; inputs: {SpecList(inputs)}."));
    }

    /// <summary>The flat row-major position of the first NaN, or −1 (integer and bool tensors hold none).</summary>
    private static long FirstNaN(Tensor t)
    {
        if (!t.DType.IsFloatingPoint() || t.Numel == 0) return -1;
        var dense = t.ContiguousNoGrad();
        // Read through a host copy: upper layers never touch a backend's memory directly.
        return t.DType == DType.Float32 ? IndexOfNaN<float>(dense.ToArray<float>()) : IndexOfNaN<double>(dense.ToArray<double>());
    }

    private static long IndexOfNaN<T>(ReadOnlySpan<T> values) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
            if (T.IsNaN(values[i])) return i;
        return -1;
    }

    private static string Spec(Tensor t) => $"{t.DType.Name()}{t.Shape}";

    private static string SpecList(Tensor[] inputs) => inputs.Length == 0 ? "none" : string.Join(", ", inputs.Select(Spec));

    private static string[] Specs(Tensor[] inputs) => inputs.Select(Spec).ToArray();
}
