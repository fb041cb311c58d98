namespace Avalon.Autodiff;

/// <summary>
/// Reverse-mode differentiation by tracing: runs a function while recording a <see cref="Tape"/>,
/// appends the derivative rules' calls to it, and returns the value and gradients. Calls nest, so the
/// gradient of a gradient (e.g. a Hessian-vector product) is <c>Grad.Of</c> of a function that calls
/// <c>Grad.Of</c>.
/// </summary>
public static class Grad
{
    /// <summary>Records <paramref name="f"/> applied to <paramref name="args"/> as a tape whose output is its result.</summary>
    public static Tape Trace(Func<Tensor[], Tensor> f, params Tensor[] args)
    {
        var tape = new Tape();
        for (int i = 0; i < args.Length; i++) tape.AddInput(args[i], "x" + i);
        Recorder.Push(tape);
        Tensor y;
        try { y = f(args); }
        finally { Recorder.Pop(tape); }
        tape.SetOutputs([tape.IdOrConstant(y)]);
        return tape;
    }

    /// <summary>The value of a scalar function of one tensor and its gradient.</summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static (Tensor Value, Tensor Gradient) Of(Func<Tensor, Tensor> f, Tensor x)
    {
        var r = Of((Func<Tensor[], Tensor>)(a => f(a[0])), x);
        return (r.Value, r.Gradients[0]);
    }

    /// <summary>The value of a scalar function of several tensors and its gradient with respect to each.</summary>
    public static GradResult Of(Func<Tensor[], Tensor> f, params Tensor[] args) =>
        Run(args, Enumerable.Range(0, args.Length).Select(i => "x" + i).ToArray(), () => f(args));

    /// <summary>
    /// The value of a scalar loss computed from a model and its gradient with respect to every parameter,
    /// named by parameter path (e.g. <c>conv1.weight</c>).
    /// </summary>
    public static GradResult Of(IParameterSource model, Func<Tensor> loss)
    {
        var named = model.NamedParameters().ToArray();
        return Run(named.Select(p => p.Value).ToArray(), named.Select(p => p.Key).ToArray(), loss);
    }

    private static GradResult Run(Tensor[] wrt, string[] names, Func<Tensor> f)
    {
        for (int i = 0; i < wrt.Length; i++)
            if (!wrt[i].DType.IsFloatingPoint())
                throw new ArgumentException($"Grad.Of: argument '{names[i]}' is {wrt[i].DType.Name()}; only floating-point tensors can be differentiated.");
        var tape = new Tape();
        var ids = new int[wrt.Length];
        for (int i = 0; i < wrt.Length; i++) ids[i] = tape.AddInput(wrt[i], names[i]);
        Recorder.Push(tape);
        try
        {
            var y = f();
            if (y.Numel != 1)
                throw new InvalidOperationException(
                    $"Grad.Of: the function must return a single-element tensor (a scalar loss), but it returned shape {y.Shape}. Reduce it (e.g. .Sum()) or use a vector-Jacobian product.");
            if (!y.DType.IsFloatingPoint())
                throw new InvalidOperationException($"Grad.Of: the function returned a {y.DType.Name()} tensor; a floating-point scalar is needed.");
            int yId = tape.IdOrConstant(y);
            var grads = TapeBackward.Run(tape, yId, Tensor.OnesLike(y), ids);
            var outIds = new List<int> { yId };
            outIds.AddRange(grads.Select(tape.IdOrConstant));
            tape.SetOutputs(outIds);
            return new GradResult(y, grads, names, tape);
        }
        finally
        {
            Recorder.Pop(tape);
        }
    }
}
