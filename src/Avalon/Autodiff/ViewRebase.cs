using Avalon.Primitives;
using Avalon.Primitives.Views;

namespace Avalon.Autodiff;

/// <summary>
/// Records what an in-place write through a view does to the tensor it views (PyTorch's view rebase,
/// <c>CopySlices</c>): after <c>v = b[0..2]; v.Mul_(2)</c>, later uses of <c>b</c> must see, and
/// differentiate through, the multiplication. The base's new value is written as primitives —
/// <c>where(region, embed(v), b)</c>, where <c>embed</c> is the view's own derivative rule applied to
/// the view's new value (zeros outside the region), or just <c>embed(v)</c> when the view covers the
/// whole base — and the base tensor takes that value's identity: its eager gradient node, and its id on
/// every tape that traces (so a tape stays functional: later calls read the new id, and passes may
/// treat every value as immutable). A view of a view rebases each level up to the first tensor that is
/// not a view. Nothing is done when no gradient or tape is involved.
/// </summary>
/// <remarks>
/// Not covered, as in no version of this: other views of the same base taken before the write keep
/// their old history (PyTorch regenerates theirs lazily); their values are right, their gradients
/// miss the write.
/// </remarks>
internal static class ViewRebase
{
    /// <summary>
    /// Notes on each output of a view call that shares its input's storage where it came from. Not for
    /// views without a rule (detach: no gradient flows through it) or with overlapping elements (expand,
    /// whose rule sums rather than places), and not while neither gradients nor a tape are recording.
    /// </summary>
    public static void Remember(ViewPrimitive primitive, Attributes attributes, Tensor[] inputs, Tensor[] views)
    {
        if (!primitive.IsDifferentiable || ReferenceEquals(primitive, ViewPrimitives.Expand) || inputs.Length == 0) return;
        // Without gradients or a tape there is no history to rebase: inference (NoGrad) pays nothing here.
        // (A view made under NoGrad and written in place later with gradients on is an error in PyTorch;
        // here its base simply keeps its history.)
        if (!GradMode.IsEnabled && Recorder.ActiveTapes.Count == 0) return;
        var input = inputs[0];
        for (int k = 0; k < views.Length; k++)
            if (ReferenceEquals(views[k].Storage, input.Storage) && !ReferenceEquals(views[k], input))
                views[k].ViewOrigin = new ViewOrigin(input, primitive, attributes, views, k);
    }

    /// <summary>Called after an in-place call has run and been recorded.</summary>
    public static void AfterInPlace(Primitive primitive, Tensor[] inputs)
    {
        foreach (int m in primitive.Effects.MutatedInputs)
        {
            var view = inputs[m];
            while (view.ViewOrigin is { } origin && NeedsHistory(view, origin.Base))
            {
                Rebase(view, origin);
                view = origin.Base;
            }
        }
    }

    /// <summary>
    /// The error PyTorch raises for an in-place write through a view of a leaf that requires a gradient
    /// (the leaf's value would change under its own gradient), or null when the target is not such a view.
    /// </summary>
    public static InvalidOperationException? LeafViewError(Primitive primitive, Tensor target)
    {
        for (var t = target; t.ViewOrigin is { } origin; t = origin.Base)
            if (origin.Base.RequiresGrad && origin.Base.IsLeaf)
                return new InvalidOperationException(
                    $"{primitive.Name}: a view of a leaf tensor that requires grad ({origin.Base.DType.Name()}{origin.Base.Shape}) is being used in an in-place operation. " +
                    "Do it under NoGrad (as optimisers do), or on a copy (.Clone()).");
        return null;
    }

    private static bool NeedsHistory(Tensor view, Tensor @base)
    {
        var tapes = Recorder.ActiveTapes;
        if (tapes.Count > 0)
        {
            foreach (var tape in tapes)
                if (tape.Tracks(view) || tape.Tracks(@base)) return true;
            return false;
        }
        return GradMode.IsEnabled && (view.RequiresGrad || @base.RequiresGrad);
    }

    private static void Rebase(Tensor view, ViewOrigin origin)
    {
        var @base = origin.Base;
        var embedded = Embed(origin, view);
        Tensor updated;
        if (view.Numel == @base.Numel)
            updated = embedded; // the view covers the base (permute, reshape, a full slice)
        else
        {
            Tensor region;
            using (new NoGrad()) region = Embed(origin, Tensor.OnesLike(view)).Ne(0);
            updated = Tensor.Where(region, embedded, @base);
        }
        Adopt(@base, updated);
    }

    /// <summary>The view's derivative rule applied to <paramref name="value"/>: the value placed where the view lies, zeros elsewhere.</summary>
    private static Tensor Embed(ViewOrigin origin, Tensor value)
    {
        var gradOutputs = new Tensor?[origin.Outputs.Length];
        gradOutputs[origin.Index] = value;
        var context = new GradContext([origin.Base], origin.Attributes, origin.Outputs, gradOutputs, [true]);
        return origin.Primitive.Backward(context)[0]
            ?? throw OpErrors.State(origin.Primitive.Name, $"the view's rule gave no gradient for its base; an in-place write through it cannot be recorded.");
    }

    /// <summary>The base tensor (whose storage already holds the new value) takes the identity of the recorded new value.</summary>
    private static void Adopt(Tensor @base, Tensor updated)
    {
        var tapes = Recorder.ActiveTapes;
        if (tapes.Count > 0)
        {
            foreach (var tape in tapes)
                if (tape.Tracks(updated)) tape.Rebind(@base, updated);
            return;
        }
        if (updated.GradFn is null) return;
        @base.GradFn = updated.GradFn;
        @base.GradFnOutput = updated.GradFnOutput;
        @base.RequiresGradInternal = true;
    }
}
