namespace Avalon.Primitives;

/// <summary>
/// A primitive whose output re-describes its first input's storage (shape, strides, offset) instead
/// of computing new elements. Its one implementation is device-neutral: it builds a tensor over the
/// input's <see cref="Backends.Storage"/>, whatever backend owns it, so no backend registers a kernel
/// for it. Its effects are <see cref="PrimitiveEffects.ViewOf"/> input 0 (every output of a
/// several-output view, such as split, views input 0).
/// </summary>
public abstract class ViewPrimitive : Primitive
{
    /// <summary>Creates a view primitive and registers it by name.</summary>
    protected ViewPrimitive(string name, bool replace = false) : base(name, replace) { }

    /// <inheritdoc />
    public override PrimitiveEffects Effects => PrimitiveEffects.ViewOf(0);

    /// <summary>A view's rule maps the gradient back by shape alone.</summary>
    public override bool RuleReadsInput(int index) => false;

    /// <summary>
    /// The output: a tensor over the storage of <c>inputs[0]</c> with the layout <paramref name="output"/>
    /// calls for (or, where the layout makes a view impossible — as for <c>reshape</c> of a transposed
    /// tensor — a dense copy made through the input's backend). A view primitive with several outputs
    /// overrides <see cref="Views"/> instead.
    /// </summary>
    public virtual Tensor View(Tensor[] inputs, Attributes attributes, TensorSpec output) =>
        throw new NotImplementedException($"{Name}: a view primitive overrides View (one output) or Views (several).");

    /// <summary>
    /// Every output, one view over the storage of <c>inputs[0]</c> per spec in <paramref name="outputs"/>
    /// (by default the single output of <see cref="View"/>).
    /// </summary>
    public virtual Tensor[] Views(Tensor[] inputs, Attributes attributes, TensorSpec[] outputs) => [View(inputs, attributes, outputs[0])];
}
