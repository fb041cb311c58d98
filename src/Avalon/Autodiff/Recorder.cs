using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// Where primitive calls are recorded: on every tape being traced on this thread, and on the eager
/// autograd graph when an input requires a gradient and gradient mode is on.
/// </summary>
internal static class Recorder
{
    [ThreadStatic] private static List<Tape>? t_activeTapes;

    /// <summary>The tapes currently recording on this thread, innermost last.</summary>
    public static List<Tape> ActiveTapes => t_activeTapes ??= [];

    public static void Push(Tape tape) => ActiveTapes.Add(tape);

    public static void Pop(Tape tape)
    {
        var tapes = ActiveTapes;
        if (tapes.Count == 0 || tapes[^1] != tape)
            throw new InvalidOperationException("Tapes must be closed in the reverse order of opening.");
        tapes.RemoveAt(tapes.Count - 1);
    }

    /// <summary>
    /// Before an in-place call: refuses to write into a leaf that requires a gradient (while gradients are
    /// recorded, as PyTorch), and returns the inputs with the target replaced by a copy of its current
    /// value when a derivative rule will need it (null otherwise).
    /// </summary>
    public static Tensor[]? PrepareInPlace(Primitive primitive, Tensor[] inputs)
    {
        var tapes = t_activeTapes;
        bool tracing = tapes is not null && tapes.Count > 0 && tapes.Exists(t => inputs.Any(t.Tracks));
        bool eager = false;
        if (GradMode.IsEnabled)
        {
            var mutated = primitive.Effects.MutatedInputs;
            for (int k = 0; k < mutated.Count; k++)   // an indexed loop: no boxed enumerator per call
            {
                var target = inputs[mutated[k]];
                if (ViewRebase.LeafViewError(primitive, target) is { } error) throw error;
                if (target is { RequiresGrad: true, IsLeaf: true })
                    throw OpErrors.State(
                        primitive.Name, $"a leaf tensor that requires grad ({target.DType.Name()}{target.Shape}) is being used in an in-place operation. " +
                        "Do it under NoGrad (as optimisers do), or on a copy (.Clone()).");
            }
            eager = primitive.IsDifferentiable && AnyRequiresGrad(inputs);
        }
        if (!tracing && !eager || primitive is not Primitives.InPlace.InPlacePrimitive { NeedsSavedTarget: true }) return null;
        // A recorded copy: a gradient of this gradient then flows through the saved value as well.
        var saved = (Tensor[])inputs.Clone();
        saved[0] = inputs[0].Clone();
        // Another input that is the target itself (x.Mul_(x)) or shares its storage must be read as it was, too.
        for (int i = 1; i < inputs.Length; i++)
            if (ReferenceEquals(inputs[i], inputs[0])) saved[i] = saved[0];
            else if (ReferenceEquals(inputs[i].Storage, inputs[0].Storage)) saved[i] = inputs[i].Clone();
        return saved;
    }

    public static void Record(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor[] outputs, Tensor[]? savedInputs = null)
    {
        var effects = primitive.Effects;
        if (effects.IsInPlace)
            for (int k = 0; k < effects.MutatedInputs.Count; k++) inputs[effects.MutatedInputs[k]].Storage.BumpVersion();
        var tapes = t_activeTapes;
        if (tapes is not null && tapes.Count > 0)
        {
            foreach (var tape in tapes) tape.RecordCall(primitive, attributes, inputs, outputs, savedInputs);
            // While a tape traces, gradients come from the tape: no eager graph is built on the side.
            return;
        }

        if (!GradMode.IsEnabled || !primitive.IsDifferentiable || !AnyRequiresGrad(inputs)) return;
        GradNode? node = null;
        for (int k = 0; k < outputs.Length; k++)
        {
            var output = outputs[k];
            if (!output.DType.IsFloatingPoint()) continue;
            node ??= new GradNode(primitive, attributes, savedInputs ?? inputs, outputs, inputs);
            output.GradFn = node;
            output.GradFnOutput = k;
            output.RequiresGradInternal = true;
        }
    }

    private static bool AnyRequiresGrad(Tensor[] inputs)
    {
        foreach (var x in inputs)
            if (x.RequiresGrad) return true;
        return false;
    }

    /// <summary>Notes on every tape tracing on this thread that records <paramref name="tensor"/> that its value was read on the host.</summary>
    public static void NoteHostRead(Tensor tensor, string operation)
    {
        var tapes = t_activeTapes;
        if (tapes is null) return;
        foreach (var tape in tapes)
            if (tape.Tracks(tensor)) tape.NoteHostRead(tensor, operation);
    }

    /// <summary>Records a seed drawn from <paramref name="generator"/> on every tape tracing on this thread.</summary>
    public static void RecordSeed(Tensor seed, Generator generator)
    {
        var tapes = t_activeTapes;
        if (tapes is null) return;
        foreach (var tape in tapes) tape.RecordSeed(seed, generator);
    }
}
