namespace Avalon.Data.Transforms;

/// <summary>Applies several transforms in order (torchvision's <c>Compose</c>).</summary>
/// <example><code>new Compose(new Normalize([0.2860], [0.3530]), new Flatten())</code></example>
public sealed class Compose : ITransform
{
    private readonly ITransform[] _transforms;

    /// <summary>Creates the composition; the first transform is applied first.</summary>
    /// <param name="transforms">The transforms, in order.</param>
    public Compose(params ITransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (int i = 0; i < transforms.Length; i++)
        {
            if (transforms[i] is null) throw new ArgumentNullException(nameof(transforms), $"Compose: transform {i} is null.");
        }
        _transforms = (ITransform[])transforms.Clone();
    }

    /// <summary>The transforms, in the order they are applied.</summary>
    public IReadOnlyList<ITransform> Transforms => _transforms;

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        foreach (var t in _transforms) input = t.Apply(input);
        return input;
    }

    /// <inheritdoc/>
    public override string ToString() => "Compose(" + string.Join(", ", _transforms.Select(t => t.ToString())) + ")";
}
