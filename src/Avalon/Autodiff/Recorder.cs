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

    public static void Record(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor output)
    {
        var tapes = t_activeTapes;
        if (tapes is not null)
            foreach (var tape in tapes) tape.RecordCall(primitive, attributes, inputs, output);

        if (!GradMode.IsEnabled || !primitive.IsDifferentiable || !output.DType.IsFloatingPoint()) return;
        bool any = false;
        foreach (var x in inputs)
            if (x.RequiresGrad) { any = true; break; }
        if (!any) return;
        output.GradFn = new GradNode(primitive, attributes, inputs, output);
        output.RequiresGradInternal = true;
    }
}
