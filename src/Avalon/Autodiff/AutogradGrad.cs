namespace Avalon.Autodiff;

public static partial class Autograd
{
    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, returned
    /// rather than accumulated into <see cref="Tensor.Grad"/> (PyTorch's <c>torch.autograd.grad</c>).
    /// </summary>
    /// <remarks>
    /// <para>Runs on the eager autograd graph (tensors that require a gradient, as for
    /// <see cref="Tensor.Backward"/>) with the same walk as <c>Backward()</c>, but no tensor's
    /// <see cref="Tensor.Grad"/> is read or written. Each output's gradient is seeded with its entry of
    /// <paramref name="gradOutputs"/> (ones for a single-element output when that entry is null) and the
    /// contributions of all outputs add up. Inputs may be leaves or intermediate tensors of the graph;
    /// only the calls on a path from an output to an input apply their derivative rules.</para>
    /// <para>With <paramref name="createGraph"/> the gradient computation is itself recorded, so the
    /// results require a gradient and can be differentiated again (a Hessian-vector product is
    /// <c>Grad([g], [x], gradOutputs: [v])</c> of <c>g = Grad([loss], [x], createGraph: true)[0]</c>).
    /// For functional transforms over traced functions see <see cref="Func"/>.</para>
    /// </remarks>
    /// <param name="outputs">The differentiated tensors (each requires a gradient).</param>
    /// <param name="inputs">The tensors to differentiate with respect to (each requires a gradient).</param>
    /// <param name="gradOutputs">One seed per output, shaped like it ("vector" of the vector-Jacobian product); null, or a null entry, for ones on a single-element output.</param>
    /// <param name="retainGraph">Keep the graph for another backward pass; defaults to <paramref name="createGraph"/>.</param>
    /// <param name="createGraph">Record the backward computation so the gradients can be differentiated.</param>
    /// <param name="allowUnused">Return null for an input no gradient reaches instead of throwing.</param>
    /// <returns>One gradient per input, shaped like it; null only for an unused input with <paramref name="allowUnused"/>.</returns>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths, a seed's shape or dtype does not match its output, or an input does not require a gradient.</exception>
    /// <exception cref="InvalidOperationException">An output does not require a gradient, a seed is missing for a non-scalar output, an input is unused (without <paramref name="allowUnused"/>), or the graph was already freed.</exception>
    public static Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? gradOutputs = null,
        bool? retainGraph = null, bool createGraph = false, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (outputs.Count == 0) throw new ArgumentException("autograd.grad: grad requires non-empty outputs.", nameof(outputs));
        if (inputs.Count == 0) throw new ArgumentException("autograd.grad: grad requires non-empty inputs.", nameof(inputs));
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException(
                $"autograd.grad: grad_outputs must be of the same length as outputs, got {gradOutputs.Count} grad_outputs and {outputs.Count} outputs.", nameof(gradOutputs));
        var seeds = new Tensor[outputs.Count];
        for (int k = 0; k < outputs.Count; k++)
        {
            var y = outputs[k] ?? throw new ArgumentNullException(nameof(outputs), $"autograd.grad: output {k} is null.");
            if (!y.RequiresGrad)
                throw new InvalidOperationException(
                    $"autograd.grad: element {k} of tensors does not require grad and does not have a grad_fn ({y.DType.Name()}{y.Shape}). " +
                    "Compute it from tensors with RequiresGrad = true, outside NoGrad.");
            var s = gradOutputs?[k];
            if (s is null)
            {
                if (y.Numel != 1)
                    throw new InvalidOperationException(
                        $"autograd.grad: grad can be implicitly created only for scalar outputs, but output {k} has shape {y.Shape}. Pass gradOutputs.");
                s = Tensor.OnesLike(y);
            }
            else if (s.Shape != y.Shape)
                throw new ArgumentException(
                    $"autograd.grad: Mismatch in shape: grad_output[{k}] has a shape of {s.Shape} and output[{k}] has a shape of {y.Shape}.", nameof(gradOutputs));
            else if (s.DType != y.DType)
                throw new ArgumentException(
                    $"autograd.grad: Mismatch in dtype: grad_output[{k}] is {s.DType.Name()} and output[{k}] is {y.DType.Name()}.", nameof(gradOutputs));
            seeds[k] = s;
        }
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"autograd.grad: input {i} is null.");
            if (!x.RequiresGrad)
                throw new ArgumentException(
                    $"autograd.grad: One of the differentiated Tensors does not require grad: input {i} ({x.DType.Name()}{x.Shape}).", nameof(inputs));
        }
        var grads = EagerBackward.Collect(outputs, seeds, inputs, createGraph, retainGraph ?? createGraph);
        if (!allowUnused)
            for (int i = 0; i < grads.Length; i++)
                if (grads[i] is null)
                    throw new InvalidOperationException(
                        $"autograd.grad: One of the differentiated Tensors appears to not have been used in the graph: input {i} ({inputs[i].DType.Name()}{inputs[i].Shape}). " +
                        "Set allowUnused: true if this is the desired behavior.");
        return grads;
    }

    /// <summary>
    /// The gradients of one output with respect to <paramref name="inputs"/> (see
    /// <see cref="Grad(IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, bool?, bool, bool)"/>).
    /// </summary>
    /// <param name="output">The differentiated tensor.</param>
    /// <param name="inputs">The tensors to differentiate with respect to.</param>
    /// <param name="gradOutput">The seed, shaped like <paramref name="output"/>; null for ones on a single-element output.</param>
    /// <param name="retainGraph">Keep the graph; defaults to <paramref name="createGraph"/>.</param>
    /// <param name="createGraph">Record the backward computation so the gradients can be differentiated.</param>
    /// <param name="allowUnused">Return null for an unused input instead of throwing.</param>
    /// <returns>One gradient per input.</returns>
    public static Tensor?[] Grad(Tensor output, IReadOnlyList<Tensor> inputs, Tensor? gradOutput = null,
        bool? retainGraph = null, bool createGraph = false, bool allowUnused = false) =>
        Grad([output], inputs, [gradOutput], retainGraph, createGraph, allowUnused);
}
