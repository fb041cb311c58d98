namespace Avalon.Data.Transforms;

/// <summary>A transform given as a function (torchvision's <c>Lambda</c>).</summary>
/// <param name="function">The function to apply to each input.</param>
public sealed class Lambda(Func<Tensor, Tensor> function) : ITransform
{
    private readonly Func<Tensor, Tensor> _function = function ?? throw new ArgumentNullException(nameof(function));

    /// <inheritdoc/>
    public Tensor Apply(Tensor input) => _function(input);

    /// <inheritdoc/>
    public override string ToString() => "Lambda()";
}
