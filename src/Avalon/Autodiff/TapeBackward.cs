namespace Avalon.Autodiff;

/// <summary>
/// Reverse-mode differentiation of a tape: walks its calls backwards, applying each primitive's
/// derivative rule. The rules run as ordinary tensor operations while the tape is recording, so their
/// calls are appended to the tape (and to any enclosing tape, which is how gradients of gradients work).
/// </summary>
internal static class TapeBackward
{
    /// <summary>
    /// The gradients of the values <paramref name="outputIds"/> (seeded with <paramref name="seeds"/>)
    /// with respect to <paramref name="wrt"/> (zeros where unconnected). <paramref name="opCount"/> limits
    /// the walk to the tape's first ops (the forward, when earlier backward passes appended to it).
    /// </summary>
    public static Tensor[] Run(Tape tape, IReadOnlyList<int> outputIds, IReadOnlyList<Tensor> seeds, IReadOnlyList<int> wrt, int opCount = -1)
    {
        var ops = tape.Ops;
        int count = opCount >= 0 ? opCount : ops.Count;   // rules append to the tape; walk only what the forward recorded
        // Which values depend on a requested input: only those need gradients.
        var depends = new HashSet<int>(wrt);
        for (int i = 0; i < count; i++)
            if (ops[i] is CallOp call && call.Primitive.IsDifferentiable && call.Args.Any(depends.Contains))
                foreach (int d in call.Defines) depends.Add(d);

        var grads = new Dictionary<int, Tensor>();
        for (int k = 0; k < outputIds.Count; k++)
            grads[outputIds[k]] = grads.TryGetValue(outputIds[k], out var acc0) ? acc0 + seeds[k] : seeds[k];
        for (int i = count - 1; i >= 0; i--)
        {
            if (ops[i] is not CallOp call || !call.Primitive.IsDifferentiable || !depends.Contains(call.Id)) continue;
            var gradOutputs = new Tensor?[call.OutputCount];
            bool any = false;
            for (int k = 0; k < gradOutputs.Length; k++)
                if (grads.TryGetValue(call.Id + k, out var gk)) { gradOutputs[k] = gk; any = true; }
            if (!any) continue;
            var inputs = new Tensor[call.Args.Length];
            var needs = new bool[call.Args.Length];
            for (int a = 0; a < inputs.Length; a++)
            {
                inputs[a] = tape.ValueOf(call.Args[a])
                    ?? throw OpErrors.State("TapeBackward", "the tape holds no recorded values; run it first.");
                needs[a] = depends.Contains(call.Args[a]) && inputs[a].DType.IsFloatingPoint();
            }
            var outputs = new Tensor[call.OutputCount];
            for (int k = 0; k < outputs.Length; k++) outputs[k] = tape.ValueOf(call.Id + k)!;
            var argGrads = RuleRunner.Apply(call.Primitive, call.Attributes, inputs, outputs, gradOutputs, needs);
            for (int a = 0; a < argGrads.Length; a++)
            {
                var ga = argGrads[a];
                if (ga is null) continue;
                int id = call.Args[a];
                grads[id] = grads.TryGetValue(id, out var acc) ? acc + ga : ga;
            }
        }
        var result = new Tensor[wrt.Count];
        for (int k = 0; k < wrt.Count; k++)
            result[k] = grads.TryGetValue(wrt[k], out var gk) ? gk : Tensor.ZerosLike(tape.ValueOf(wrt[k])!);
        return result;
    }

    /// <summary>The gradients of one value seeded with <paramref name="seed"/>.</summary>
    public static Tensor[] Run(Tape tape, int outputId, Tensor seed, IReadOnlyList<int> wrt) =>
        Run(tape, [outputId], [seed], wrt);
}
