namespace Avalon.Autodiff;

/// <summary>The value of a function and its gradients, returned by <see cref="Grad"/>.</summary>
public sealed class GradResult
{
    internal GradResult(Tensor value, Tensor[] gradients, IReadOnlyList<string> names, Tape tape)
    {
        Value = value;
        Gradients = gradients;
        Names = names;
        Tape = tape;
    }

    /// <summary>The function's value.</summary>
    public Tensor Value { get; }

    /// <summary>One gradient per differentiated tensor, shaped like it, in argument (or parameter) order.</summary>
    public Tensor[] Gradients { get; }

    /// <summary>The names of the differentiated tensors (parameter paths, or <c>x0</c>, <c>x1</c>, ...).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>
    /// The gradient tape: the forward calls followed by the derivative rules' calls; its outputs are the
    /// value then the gradients. Replay it on new inputs with <see cref="Autodiff.Tape.Run"/>.
    /// </summary>
    public Tape Tape { get; }

    /// <summary>The gradient for a name (a parameter path such as <c>fc1.weight</c>).</summary>
    public Tensor this[string name]
    {
        get
        {
            for (int i = 0; i < Names.Count; i++) if (Names[i] == name) return Gradients[i];
            throw new KeyNotFoundException($"No gradient named '{name}'. Known: {string.Join(", ", Names)}.");
        }
    }

    /// <summary>The gradients by name.</summary>
    public IReadOnlyDictionary<string, Tensor> ByName =>
        Names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => Gradients[p.i]);

    /// <summary>Deconstructs into the value and the gradients.</summary>
    public void Deconstruct(out Tensor value, out Tensor[] gradients)
    {
        value = Value;
        gradients = Gradients;
    }
}
