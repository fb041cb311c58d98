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

    public static void Record(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor[] outputs)
    {
        if (primitive.Effects.IsInPlace)
            foreach (int m in primitive.Effects.MutatedInputs) inputs[m].Storage.BumpVersion();
        var tapes = t_activeTapes;
        if (tapes is not null && tapes.Count > 0)
        {
            foreach (var tape in tapes) tape.RecordCall(primitive, attributes, inputs, outputs);
            // While a tape traces, gradients come from the tape: no eager graph is built on the side.
            return;
        }

        if (!GradMode.IsEnabled || !primitive.IsDifferentiable) return;
        bool any = false;
        foreach (var x in inputs)
            if (x.RequiresGrad) { any = true; break; }
        if (!any) return;
        GradNode? node = null;
        for (int k = 0; k < outputs.Length; k++)
        {
            var output = outputs[k];
            if (!output.DType.IsFloatingPoint()) continue;
            node ??= new GradNode(primitive, attributes, inputs, outputs);
            output.GradFn = node;
            output.GradFnOutput = k;
            output.RequiresGradInternal = true;
        }
    }

    /// <summary>Records a seed drawn from <paramref name="generator"/> on every tape tracing on this thread.</summary>
    public static void RecordSeed(Tensor seed, Generator generator)
    {
        var tapes = t_activeTapes;
        if (tapes is null) return;
        foreach (var tape in tapes) tape.RecordSeed(seed, generator);
    }
}
