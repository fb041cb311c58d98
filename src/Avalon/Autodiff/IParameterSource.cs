namespace Avalon.Autodiff;

/// <summary>
/// Something holding named trainable tensors (a module), so <see cref="Grad"/> can differentiate with
/// respect to all of them by their paths (e.g. <c>conv1.weight</c>).
/// </summary>
public interface IParameterSource
{
    /// <summary>The trainable tensors with their dotted paths, in a stable order.</summary>
    IEnumerable<KeyValuePair<string, Tensor>> NamedParameters();
}
