using System.Runtime.CompilerServices;

namespace Avalon.Autodiff;

/// <summary>
/// Function transforms in the style of PyTorch's <c>torch.func</c>: <see cref="Grad(Func{Tensor, Tensor})"/>
/// (with <c>argnums</c> and auxiliary outputs), <see cref="Vjp(Func{Tensor, Tensor}, Tensor)"/>,
/// <see cref="Jvp(Func{Tensor, Tensor}, Tensor, Tensor)"/>, <see cref="Hvp(Func{Tensor, Tensor}, Tensor, Tensor)"/>,
/// <see cref="Jacobian(Func{Tensor, Tensor}, Tensor)"/> (reverse mode, <c>jacrev</c>) and
/// <see cref="Hessian(Func{Tensor, Tensor}, Tensor)"/>, over tensors and over the parameters of a model.
/// </summary>
/// <remarks>
/// <para>Every transform traces the function on a <see cref="Tape"/> (as <see cref="Autodiff.Grad.Of(Func{Tensor[], Tensor}, Tensor[])"/>
/// does) and applies the derivative rules while tapes record, so transforms nest: the Hessian is the
/// Jacobian of the gradient, and a transform called inside another (or inside <c>Grad.Of</c>) is
/// differentiated by the outer one. The functions are pure functions of the given tensors: no eager
/// autograd graph is built and no <see cref="Tensor.Grad"/> is touched. For gradients on the eager graph
/// (after computing with <see cref="Tensor.RequiresGrad"/> leaves) use <see cref="Autograd.Grad(IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, bool?, bool, bool)"/>.</para>
/// <para><see cref="Jvp(Func{Tensor, Tensor}, Tensor, Tensor)"/> has no forward mode: it uses the double-vjp
/// trick (the vector-Jacobian product <c>u ↦ Jᵀu</c> is linear in <c>u</c>, and its own vector-Jacobian
/// product with the tangent is <c>J·t</c>), so it costs two reverse passes.
/// <see cref="Jacobian(Func{Tensor, Tensor}, Tensor)"/> runs one reverse pass per output element.</para>
/// <para>The model overloads differentiate with respect to every tensor of
/// <see cref="IParameterSource.NamedParameters"/>, used in place: the function reads the model's own
/// parameters (call the model inside it).</para>
/// </remarks>
public static class Func
{
    // ---------------------------------------------------------------- tensors

    /// <summary>
    /// The gradient function of a scalar function of one tensor (PyTorch's <c>torch.func.grad(f)</c>).
    /// </summary>
    /// <param name="f">A function returning a floating-point single-element tensor.</param>
    /// <returns>A function returning the gradient of <paramref name="f"/> at its argument, shaped like it.</returns>
    [OverloadResolutionPriority(1)]
    public static Func<Tensor, Tensor> Grad(Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x => GradCore("func.grad", [x], ["x0"], () => (f(x), (object?)null)).Gradients[0];
    }

    /// <summary>
    /// The gradient function of a scalar function of several tensors with respect to the arguments
    /// <paramref name="argnums"/> (PyTorch's <c>torch.func.grad(f, argnums)</c>; the default is the first).
    /// The other arguments are used as they are (an enclosing transform still differentiates them).
    /// </summary>
    /// <param name="f">A function returning a floating-point single-element tensor.</param>
    /// <param name="argnums">Positions of the arguments to differentiate; none means <c>0</c>.</param>
    /// <returns>A function returning one gradient per position of <paramref name="argnums"/>.</returns>
    public static Func<Tensor[], Tensor[]> Grad(Func<Tensor[], Tensor> f, params int[] argnums)
    {
        ArgumentNullException.ThrowIfNull(f);
        var value = GradAndValue(f, argnums);
        return args => value(args).Gradients;
    }

    /// <summary>
    /// Like <see cref="Grad(Func{Tensor[], Tensor}, int[])"/>, also returning the function's value
    /// (PyTorch's <c>torch.func.grad_and_value</c>).
    /// </summary>
    /// <param name="f">A function returning a floating-point single-element tensor.</param>
    /// <param name="argnums">Positions of the arguments to differentiate; none means <c>0</c>.</param>
    /// <returns>A function returning the value and one gradient per position of <paramref name="argnums"/>.</returns>
    public static Func<Tensor[], (Tensor Value, Tensor[] Gradients)> GradAndValue(Func<Tensor[], Tensor> f, params int[] argnums)
    {
        ArgumentNullException.ThrowIfNull(f);
        return args =>
        {
            var (wrt, names) = Select("func.grad", args, argnums);
            var r = GradCore("func.grad", wrt, names, () => (f(args), (object?)null));
            return (r.Value, r.Gradients);
        };
    }

    /// <summary>
    /// The gradient of a function that returns a scalar and an auxiliary value, which is returned beside
    /// the gradients and not differentiated (PyTorch's <c>torch.func.grad(f, argnums, has_aux=True)</c>).
    /// </summary>
    /// <typeparam name="TAux">The type of the auxiliary value (tensors, metrics, anything).</typeparam>
    /// <param name="f">A function returning a floating-point single-element tensor and the auxiliary value.</param>
    /// <param name="argnums">Positions of the arguments to differentiate; none means <c>0</c>.</param>
    /// <returns>A function returning the value, the gradients and the auxiliary value.</returns>
    public static Func<Tensor[], (Tensor Value, Tensor[] Gradients, TAux Aux)> GradWithAux<TAux>(Func<Tensor[], (Tensor Value, TAux Aux)> f, params int[] argnums)
    {
        ArgumentNullException.ThrowIfNull(f);
        return args =>
        {
            var (wrt, names) = Select("func.grad", args, argnums);
            var r = GradCore("func.grad", wrt, names, () => f(args));
            return (r.Value, r.Gradients, r.Aux);
        };
    }

    /// <summary>
    /// The value of <paramref name="f"/> at <paramref name="primal"/> and its vector-Jacobian product
    /// function <c>v ↦ vᵀ·∂f/∂x</c> (PyTorch's <c>torch.func.vjp</c>). The function can be called many
    /// times (each call is one reverse pass over the recorded forward).
    /// </summary>
    /// <param name="f">The function (any floating-point output).</param>
    /// <param name="primal">Where to evaluate it.</param>
    /// <returns>The output and the pullback, which takes a cotangent shaped like the output and returns one shaped like <paramref name="primal"/>.</returns>
    [OverloadResolutionPriority(1)]
    public static (Tensor Output, Func<Tensor, Tensor> VjpFn) Vjp(Func<Tensor, Tensor> f, Tensor primal)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (outputs, pullback) = Vjp(a => [f(a[0])], primal);
        return (outputs[0], v => pullback([v])[0]);
    }

    /// <summary>
    /// The outputs of <paramref name="f"/> at <paramref name="primals"/> and its vector-Jacobian product
    /// function (PyTorch's <c>torch.func.vjp</c>): given one cotangent per output, the sum of their
    /// products with the Jacobians, one per primal.
    /// </summary>
    /// <param name="f">The function (floating-point outputs).</param>
    /// <param name="primals">Where to evaluate it.</param>
    /// <returns>The outputs and the pullback (cotangents shaped like the outputs → one result per primal, zeros where unconnected).</returns>
    public static (Tensor[] Outputs, Func<Tensor[], Tensor[]> VjpFn) Vjp(Func<Tensor[], Tensor[]> f, params Tensor[] primals)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(primals);
        var traced = Trace("func.vjp", primals, Names(primals.Length), () => f(primals));
        return (traced.Outputs, cotangents =>
        {
            CheckLike("func.vjp", "cotangent", cotangents, traced.Outputs, "output");
            return Pullback(traced, cotangents);
        });
    }

    /// <summary>
    /// The value of <paramref name="f"/> at <paramref name="primal"/> and its Jacobian-vector product
    /// <c>∂f/∂x · tangent</c> (PyTorch's <c>torch.func.jvp</c>), computed by the double-vjp trick.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="primal">Where to evaluate it.</param>
    /// <param name="tangent">The direction, shaped like <paramref name="primal"/>.</param>
    /// <returns>The output and the directional derivative, shaped like the output.</returns>
    [OverloadResolutionPriority(1)]
    public static (Tensor Output, Tensor Jvp) Jvp(Func<Tensor, Tensor> f, Tensor primal, Tensor tangent)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (outputs, jvps) = Jvp(a => [f(a[0])], [primal], [tangent]);
        return (outputs[0], jvps[0]);
    }

    /// <summary>
    /// The outputs of <paramref name="f"/> and their Jacobian-vector products with the tangents
    /// (PyTorch's <c>torch.func.jvp</c>), by the double-vjp trick (two reverse passes, no forward mode).
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="primals">Where to evaluate it.</param>
    /// <param name="tangents">One direction per primal, shaped like it.</param>
    /// <returns>The outputs and, per output, <c>Σᵢ ∂output/∂primalᵢ · tangentᵢ</c>.</returns>
    public static (Tensor[] Outputs, Tensor[] Jvps) Jvp(Func<Tensor[], Tensor[]> f, Tensor[] primals, Tensor[] tangents)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(primals);
        return JvpCore("func.jvp", primals, Names(primals.Length), () => f(primals), tangents);
    }

    /// <summary>
    /// The value of a scalar function and its Hessian-vector product <c>∇²f(x)·tangent</c>, as the
    /// gradient of <c>∇f(x)·tangent</c> (reverse over reverse).
    /// </summary>
    /// <param name="f">A function returning a floating-point single-element tensor.</param>
    /// <param name="primal">Where to evaluate it.</param>
    /// <param name="tangent">The vector, shaped like <paramref name="primal"/>.</param>
    /// <returns>The value and the product, shaped like <paramref name="primal"/>.</returns>
    [OverloadResolutionPriority(1)]
    public static (Tensor Value, Tensor Hvp) Hvp(Func<Tensor, Tensor> f, Tensor primal, Tensor tangent)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (value, hvps) = Hvp(a => f(a[0]), [primal], [tangent]);
        return (value, hvps[0]);
    }

    /// <summary>
    /// The value of a scalar function of several tensors and its Hessian-vector product with the
    /// tangents (one block per primal: <c>Σⱼ ∂²f/∂xᵢ∂xⱼ · tangentⱼ</c>).
    /// </summary>
    /// <param name="f">A function returning a floating-point single-element tensor.</param>
    /// <param name="primals">Where to evaluate it.</param>
    /// <param name="tangents">One vector block per primal, shaped like it.</param>
    /// <returns>The value and one product block per primal.</returns>
    public static (Tensor Value, Tensor[] Hvps) Hvp(Func<Tensor[], Tensor> f, Tensor[] primals, Tensor[] tangents)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(primals);
        return HvpCore("func.hvp", primals, Names(primals.Length), () => f(primals), tangents);
    }

    /// <summary>
    /// The Jacobian of <paramref name="f"/> at <paramref name="x"/> by reverse mode (PyTorch's
    /// <c>torch.func.jacrev</c>): shape <c>output.shape + x.shape</c>, one reverse pass per output element.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="x">Where to evaluate it.</param>
    /// <returns><c>J[i..., j...] = ∂f(x)[i...] / ∂x[j...]</c>.</returns>
    [OverloadResolutionPriority(1)]
    public static Tensor Jacobian(Func<Tensor, Tensor> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        return JacobianCore("func.jacrev", [x], ["x0"], () => f(x))[0];
    }

    /// <summary>
    /// The Jacobians of <paramref name="f"/> with respect to each of <paramref name="xs"/> (PyTorch's
    /// <c>torch.func.jacrev(f, argnums=(0, 1, ...))</c>), each shaped <c>output.shape + xᵢ.shape</c>.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="xs">Where to evaluate it.</param>
    /// <returns>One Jacobian per argument.</returns>
    public static Tensor[] Jacobian(Func<Tensor[], Tensor> f, params Tensor[] xs)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(xs);
        return JacobianCore("func.jacrev", xs, Names(xs.Length), () => f(xs));
    }

    /// <summary>
    /// The Hessian of a scalar function at <paramref name="x"/> (PyTorch's <c>torch.func.hessian</c>),
    /// the Jacobian of its gradient: shape <c>x.shape + x.shape</c>.
    /// </summary>
    /// <param name="f">A function returning a floating-point single-element tensor.</param>
    /// <param name="x">Where to evaluate it.</param>
    /// <returns><c>H[i..., j...] = ∂²f / ∂x[i...]∂x[j...]</c>.</returns>
    public static Tensor Hessian(Func<Tensor, Tensor> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jacobian(Grad(f), x);
    }

    // ---------------------------------------------------------------- a model's parameters

    /// <summary>
    /// The gradient of a scalar loss computed from <paramref name="model"/> with respect to every
    /// parameter, with an auxiliary value returned beside it (<c>has_aux</c>).
    /// </summary>
    /// <typeparam name="TAux">The type of the auxiliary value.</typeparam>
    /// <param name="model">The parameters (a module).</param>
    /// <param name="loss">Computes the loss from the model's parameters and returns it with the auxiliary value.</param>
    /// <returns>The value and gradients by parameter path, and the auxiliary value.</returns>
    public static (GradResult Result, TAux Aux) GradWithAux<TAux>(IParameterSource model, Func<(Tensor Loss, TAux Aux)> loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var (ps, names) = Parameters(model);
        var r = GradCore("func.grad", ps, names, loss);
        return (new GradResult(r.Value, r.Gradients, names, r.Tape), r.Aux);
    }

    /// <summary>
    /// The output of a computation from <paramref name="model"/> and its vector-Jacobian product
    /// function with respect to every parameter (by path).
    /// </summary>
    /// <param name="model">The parameters (a module).</param>
    /// <param name="f">The computation, e.g. <c>() =&gt; model.Forward(x)</c>.</param>
    /// <returns>The output and the pullback (a cotangent shaped like the output → one tensor per parameter path).</returns>
    public static (Tensor Output, Func<Tensor, OrderedDictionary<string, Tensor>> VjpFn) Vjp(IParameterSource model, Func<Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (ps, names) = Parameters(model);
        var traced = Trace("func.vjp", ps, names, () => [f()]);
        return (traced.Outputs[0], v =>
        {
            CheckLike("func.vjp", "cotangent", [v], traced.Outputs, "output");
            return ByName(names, Pullback(traced, [v]));
        });
    }

    /// <summary>
    /// The output of a computation from <paramref name="model"/> and its derivative in the direction of
    /// <paramref name="tangents"/> (by parameter path; parameters not named have a zero tangent).
    /// </summary>
    /// <param name="model">The parameters (a module).</param>
    /// <param name="f">The computation.</param>
    /// <param name="tangents">Direction per parameter path, shaped like the parameter.</param>
    /// <returns>The output and the directional derivative, shaped like it.</returns>
    public static (Tensor Output, Tensor Jvp) Jvp(IParameterSource model, Func<Tensor> f, IReadOnlyDictionary<string, Tensor> tangents)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (ps, names) = Parameters(model);
        var (outputs, jvps) = JvpCore("func.jvp", ps, names, () => [f()], Tangents("func.jvp", ps, names, tangents));
        return (outputs[0], jvps[0]);
    }

    /// <summary>
    /// The value of a scalar loss computed from <paramref name="model"/> and the product of its Hessian
    /// with respect to all parameters with <paramref name="tangents"/> (by path; missing ones are zero).
    /// </summary>
    /// <param name="model">The parameters (a module).</param>
    /// <param name="loss">Computes the loss from the model's parameters.</param>
    /// <param name="tangents">The vector, one block per parameter path.</param>
    /// <returns>The value and one product block per parameter path.</returns>
    public static (Tensor Value, OrderedDictionary<string, Tensor> Hvp) Hvp(IParameterSource model, Func<Tensor> loss, IReadOnlyDictionary<string, Tensor> tangents)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var (ps, names) = Parameters(model);
        var (value, hvps) = HvpCore("func.hvp", ps, names, loss, Tangents("func.hvp", ps, names, tangents));
        return (value, ByName(names, hvps));
    }

    /// <summary>
    /// The Jacobian of a computation from <paramref name="model"/> with respect to each parameter: by path,
    /// shaped <c>output.shape + parameter.shape</c>.
    /// </summary>
    /// <param name="model">The parameters (a module).</param>
    /// <param name="f">The computation.</param>
    /// <returns>One Jacobian per parameter path.</returns>
    public static OrderedDictionary<string, Tensor> Jacobian(IParameterSource model, Func<Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (ps, names) = Parameters(model);
        return ByName(names, JacobianCore("func.jacrev", ps, names, f));
    }

    /// <summary>
    /// The Hessian of a scalar loss with respect to all parameters of <paramref name="model"/> together,
    /// as an <c>[N, N]</c> matrix over the parameters flattened and concatenated in
    /// <see cref="IParameterSource.NamedParameters"/> order (the layout of <c>Module.ParametersToVector</c>).
    /// </summary>
    /// <param name="model">The parameters (a module).</param>
    /// <param name="loss">Computes the loss from the model's parameters.</param>
    /// <returns>The Hessian matrix.</returns>
    public static Tensor Hessian(IParameterSource model, Func<Tensor> loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var (ps, names) = Parameters(model);
        if (ps.Length == 0) throw new ArgumentException("func.hessian: the model has no parameters.", nameof(model));
        var blocks = JacobianCore("func.hessian", ps, names, () =>
            Tensor.Cat(GradCore("func.hessian", ps, names, () => (loss(), (object?)null)).Gradients.Select(g => g.Flatten()).ToArray()));
        return Tensor.Cat(blocks.Select(b => b.Reshape(b.Shape[0], -1)).ToArray(), 1);
    }

    // ---------------------------------------------------------------- the shared machinery

    /// <summary>A function traced on its own tape, ready for reverse passes.</summary>
    private sealed record Traced(Tape Tape, int[] InputIds, Tensor[] Outputs, int[] OutputIds, int OpCount);

    private static Traced Trace(string op, Tensor[] wrt, string[] names, Func<Tensor[]> body)
    {
        for (int i = 0; i < wrt.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(wrt[i], names[i]);
            if (!wrt[i].DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: input '{names[i]}' is {wrt[i].DType.Name()}{wrt[i].Shape}; only floating-point tensors can be differentiated.");
        }
        var tape = new Tape();
        var ids = new int[wrt.Length];
        for (int i = 0; i < wrt.Length; i++) ids[i] = tape.AddInput(wrt[i], names[i]);
        Recorder.Push(tape);
        try
        {
            var outputs = body() ?? throw new InvalidOperationException($"{op}: the function returned null.");
            if (outputs.Length == 0) throw new InvalidOperationException($"{op}: the function returned no tensors.");
            for (int k = 0; k < outputs.Length; k++)
                if (outputs[k] is null || !outputs[k].DType.IsFloatingPoint())
                    throw new InvalidOperationException(
                        $"{op}: output {k} of the function is {(outputs[k] is null ? "null" : outputs[k].DType.Name() + outputs[k].Shape)}; only floating-point outputs can be differentiated.");
            var outIds = outputs.Select(tape.IdOrConstant).ToArray();
            return new Traced(tape, ids, outputs, outIds, tape.Ops.Count);
        }
        finally
        {
            Recorder.Pop(tape);
        }
    }

    // One reverse pass over the traced forward. The tape records again meanwhile so that the rules'
    // calls build no eager graph; enclosing tapes record them too, which is how transforms nest.
    private static Tensor[] Pullback(Traced traced, IReadOnlyList<Tensor> cotangents)
    {
        Recorder.Push(traced.Tape);
        try { return TapeBackward.Run(traced.Tape, traced.OutputIds, cotangents, traced.InputIds, traced.OpCount); }
        finally { Recorder.Pop(traced.Tape); }
    }

    private static (Tensor Value, Tensor[] Gradients, TAux Aux, Tape Tape) GradCore<TAux>(string op, Tensor[] wrt, string[] names, Func<(Tensor, TAux)> body)
    {
        TAux aux = default!;
        var traced = Trace(op, wrt, names, () =>
        {
            var (value, a) = body();
            aux = a;
            return [value];
        });
        var y = traced.Outputs[0];
        if (y.Numel != 1)
            throw new InvalidOperationException(
                $"{op}: the function must return a single-element tensor (a scalar), but it returned shape {y.Shape}. Reduce it (e.g. .Sum()) or use Func.Vjp.");
        return (y, Pullback(traced, [Tensor.OnesLike(y)]), aux, traced.Tape);
    }

    private static (Tensor[] Outputs, Tensor[] Jvps) JvpCore(string op, Tensor[] wrt, string[] names, Func<Tensor[]> body, Tensor[] tangents)
    {
        CheckLike(op, "tangent", tangents, wrt, "primal");
        var inner = Trace(op, wrt, names, body);
        // Double vjp: g(u) = Jᵀu is linear in u; the gradient of g(u)·t with respect to u is J·t.
        var us = inner.Outputs.Select(Tensor.ZerosLike).ToArray();
        var outer = new Tape();
        var uIds = new int[us.Length];
        for (int k = 0; k < us.Length; k++) uIds[k] = outer.AddInput(us[k], "u" + k);
        Recorder.Push(outer);
        try
        {
            var g = Pullback(inner, us);
            Tensor dot = (g[0] * tangents[0]).Sum();
            for (int i = 1; i < g.Length; i++) dot = dot + (g[i] * tangents[i]).Sum();
            int dotId = outer.IdOrConstant(dot);
            var jvps = TapeBackward.Run(outer, dotId, Tensor.OnesLike(dot), uIds);
            return (inner.Outputs, jvps);
        }
        finally
        {
            Recorder.Pop(outer);
        }
    }

    private static (Tensor Value, Tensor[] Hvps) HvpCore(string op, Tensor[] wrt, string[] names, Func<Tensor> body, Tensor[] tangents)
    {
        CheckLike(op, "tangent", tangents, wrt, "primal");
        var outer = GradCore(op, wrt, names, () =>
        {
            var inner = GradCore(op, wrt, names, () => (body(), (object?)null));
            Tensor dot = (inner.Gradients[0] * tangents[0]).Sum();
            for (int i = 1; i < inner.Gradients.Length; i++) dot = dot + (inner.Gradients[i] * tangents[i]).Sum();
            return (dot, inner.Value);
        });
        return (outer.Aux, outer.Gradients);
    }

    private static Tensor[] JacobianCore(string op, Tensor[] wrt, string[] names, Func<Tensor> body)
    {
        var traced = Trace(op, wrt, names, () => [body()]);
        var y = traced.Outputs[0];
        int[] outShape = y.Shape.ToArray();
        int n = y.Numel;
        var rows = new List<Tensor>[wrt.Length];
        for (int i = 0; i < wrt.Length; i++) rows[i] = new List<Tensor>(n);
        for (int k = 0; k < n; k++)
        {
            var basis = new double[n];
            basis[k] = 1;
            var e = Tensor.From(basis).To(y.DType);
            if (!e.Device.Equals(y.Device)) e = e.To(y.Device);
            var g = Pullback(traced, [e.Reshape(outShape)]);
            for (int i = 0; i < wrt.Length; i++) rows[i].Add(g[i]);
        }
        var result = new Tensor[wrt.Length];
        for (int i = 0; i < wrt.Length; i++)
        {
            int[] shape = [.. outShape, .. wrt[i].Shape.ToArray()];
            result[i] = n == 0 ? Tensor.Zeros(shape, wrt[i].DType, wrt[i].Device) : Tensor.Stack(rows[i]).Reshape(shape);
        }
        return result;
    }

    private static (Tensor[] Wrt, string[] Names) Select(string op, Tensor[] args, int[] argnums)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (argnums.Length == 0) argnums = [0];
        var wrt = new Tensor[argnums.Length];
        var names = new string[argnums.Length];
        for (int i = 0; i < argnums.Length; i++)
        {
            int a = argnums[i];
            if (a < 0 || a >= args.Length)
                throw new ArgumentException($"{op}: Got argnums={a}, but only {args.Length} positional inputs were given.", nameof(argnums));
            if (Array.IndexOf(argnums, a) != i)
                throw new ArgumentException($"{op}: argnums must be unique, got {a} twice.", nameof(argnums));
            wrt[i] = args[a];
            names[i] = "x" + a;
        }
        return (wrt, names);
    }

    private static string[] Names(int count) => Enumerable.Range(0, count).Select(i => "x" + i).ToArray();

    private static (Tensor[] Parameters, string[] Names) Parameters(IParameterSource model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var named = model.NamedParameters().ToArray();
        return (named.Select(p => p.Value).ToArray(), named.Select(p => p.Key).ToArray());
    }

    private static Tensor[] Tangents(string op, Tensor[] ps, string[] names, IReadOnlyDictionary<string, Tensor> tangents)
    {
        ArgumentNullException.ThrowIfNull(tangents);
        var unknown = tangents.Keys.Where(k => Array.IndexOf(names, k) < 0).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"{op}: no parameter named {string.Join(", ", unknown.Select(k => "\"" + k + "\""))}. Known names: {string.Join(", ", names)}.", nameof(tangents));
        var result = new Tensor[ps.Length];
        for (int i = 0; i < ps.Length; i++)
            result[i] = tangents.TryGetValue(names[i], out var t) ? t : Tensor.ZerosLike(ps[i]);
        return result;
    }

    private static OrderedDictionary<string, Tensor> ByName(string[] names, Tensor[] values)
    {
        var result = new OrderedDictionary<string, Tensor>();
        for (int i = 0; i < names.Length; i++) result.Add(names[i], values[i]);
        return result;
    }

    private static void CheckLike(string op, string what, IReadOnlyList<Tensor> given, IReadOnlyList<Tensor> like, string likeWhat)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (given.Count != like.Count)
            throw new ArgumentException($"{op}: expected {like.Count} {what}s (one per {likeWhat}), got {given.Count}.");
        for (int i = 0; i < given.Count; i++)
        {
            if (given[i] is null)
                throw new ArgumentException($"{op}: {what} {i} is null.");
            if (given[i].Shape != like[i].Shape || given[i].DType != like[i].DType)
                throw new ArgumentException(
                    $"{op}: {what} {i} is {given[i].DType.Name()}{given[i].Shape} but {likeWhat} {i} is {like[i].DType.Name()}{like[i].Shape}; they must match.");
        }
    }
}
