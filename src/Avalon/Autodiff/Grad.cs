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

    /// <summary>
    /// Traces one training step into a tape that replays on the next batch (see <see cref="StepTape"/>):
    /// <paramref name="step"/> takes the batch and returns the loss (a floating-point scalar) followed by
    /// any other values to return (metrics); it runs once, eagerly, while it is recorded, so the traced
    /// call is also the first step. The batch may hold tensors of any dtype; only the parameters that
    /// require a gradient are differentiated. No eager autograd graph is built while tracing.
    /// </summary>
    public static StepTape TraceStep(IParameterSource model, Func<Tensor[], Tensor[]> step, params Tensor[] batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(step);
        var named = model.NamedParameters().ToArray();
        var tape = new Tape();
        var trainable = new List<(string Name, int Id)>();
        foreach (var (name, p) in named)
        {
            int id = tape.AddInput(p, name);
            if (p.RequiresGrad && p.DType.IsFloatingPoint()) trainable.Add((name, id));
        }
        for (int i = 0; i < batch.Length; i++)
        {
            if (tape.Tracks(batch[i]))
                throw OpErrors.Argument("Grad.TraceStep", $"batch tensor {i} is also a parameter of the model; pass separate tensors.");
            tape.AddInput(batch[i], "batch" + i);
        }
        Recorder.Push(tape);
        try
        {
            var outputs = step(batch);
            if (outputs.Length == 0)
                throw OpErrors.State("Grad.TraceStep", "the step returned nothing; return the loss first.");
            var loss = outputs[0];
            if (loss.Numel != 1 || !loss.DType.IsFloatingPoint())
                throw OpErrors.State(
                    "Grad.TraceStep", $"the first value the step returns must be a floating-point scalar loss, but it is {loss.DType.Name()}{loss.Shape}.");
            int lossId = tape.IdOrConstant(loss);
            var grads = TapeBackward.Run(tape, lossId, Tensor.Literal(1, loss.DType, loss.Device, loss.Shape.ToArray()), trainable.Select(t => t.Id).ToArray());
            var outIds = outputs.Select(tape.IdOrConstant).ToList();
            outIds.AddRange(grads.Select(tape.IdOrConstant));
            tape.SetOutputs(outIds);
            return new StepTape(tape, model, named.Select(n => n.Key).ToArray(), trainable.Select(t => t.Name).ToArray(), outputs.Length, batch);
        }
        finally
        {
            Recorder.Pop(tape);
        }
    }

    private static GradResult Run(Tensor[] wrt, string[] names, Func<Tensor> f)
    {
        for (int i = 0; i < wrt.Length; i++)
            if (!wrt[i].DType.IsFloatingPoint())
                throw OpErrors.Argument("Grad.Of", $"argument '{names[i]}' is {wrt[i].DType.Name()}; only floating-point tensors can be differentiated.");
        var tape = new Tape();
        var ids = new int[wrt.Length];
        for (int i = 0; i < wrt.Length; i++) ids[i] = tape.AddInput(wrt[i], names[i]);
        Recorder.Push(tape);
        try
        {
            var y = f();
            if (y.Numel != 1)
                throw OpErrors.State(
                    "Grad.Of", $"the function must return a single-element tensor (a scalar loss), but it returned shape {y.Shape}. Reduce it (e.g. .Sum()) or use a vector-Jacobian product.");
            if (!y.DType.IsFloatingPoint())
                throw OpErrors.State("Grad.Of", $"the function returned a {y.DType.Name()} tensor; a floating-point scalar is needed.");
            int yId = tape.IdOrConstant(y);
            var grads = TapeBackward.Run(tape, yId, Tensor.Literal(1, y.DType, y.Device, y.Shape.ToArray()), ids);
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
