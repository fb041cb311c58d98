using Avalon.Primitives;
using Avalon.Primitives.InPlace;
using Avalon.Primitives.Views;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Overwrites this tensor's elements with those of <paramref name="src"/> (same shape and dtype),
    /// keeping this tensor's identity and storage (loading state). A source on another device is brought
    /// over through the two backends' host transfers (as PyTorch's <c>copy_</c> crosses devices). Records
    /// nothing on tapes or the autograd graph, but bumps the version counter like any in-place write.
    /// </summary>
    internal void CopyFrom_(Tensor src)
    {
        if (src.Shape != Shape || src.DType != DType)
            throw OpErrors.Argument(
                "copy_", $"expected a source of {DType.Name()}{Shape}, got {src.DType.Name()}{src.Shape}.");
        src = src.CopiedTo(Device);
        if (ReferenceEquals(src.Storage, Storage) && src.Offset == Offset && src._strides.AsSpan().SequenceEqual(_strides)) return;
        Storage.Backend.Copy(src, this);
        Storage.BumpVersion();
    }

    /// <summary>Sets every element to <paramref name="value"/> in place, recording nothing (bumps the version).</summary>
    internal void FillNoRecord(double value)
    {
        Storage.Backend.Fill(this, value);
        Storage.BumpVersion();
    }

    /// <summary>
    /// Adds <paramref name="other"/> (broadcast to this tensor's shape) into this tensor, in place, and
    /// returns it (PyTorch's <c>add_</c>). Recorded like any call; bumps <see cref="Version"/>.
    /// </summary>
    public Tensor Add_(Tensor other) => InPlacePrimitives.Add.Invoke(Attributes.Empty, this, other);

    /// <summary>Adds a scalar in place (<c>add_</c>).</summary>
    public Tensor Add_(double other) => Add_(Const(other));

    /// <summary>Subtracts in place (<c>sub_</c>).</summary>
    public Tensor Sub_(Tensor other) => InPlacePrimitives.Sub.Invoke(Attributes.Empty, this, other);

    /// <summary>Subtracts a scalar in place (<c>sub_</c>).</summary>
    public Tensor Sub_(double other) => Sub_(Const(other));

    /// <summary>Multiplies in place (<c>mul_</c>).</summary>
    public Tensor Mul_(Tensor other) => InPlacePrimitives.Mul.Invoke(Attributes.Empty, this, other);

    /// <summary>Multiplies by a scalar in place (<c>mul_</c>).</summary>
    public Tensor Mul_(double other) => Mul_(Const(other));

    /// <summary>Divides in place (<c>div_</c>).</summary>
    public Tensor Div_(Tensor other) => InPlacePrimitives.Div.Invoke(Attributes.Empty, this, other);

    /// <summary>Divides by a scalar in place (<c>div_</c>).</summary>
    public Tensor Div_(double other) => Div_(Const(other));

    /// <summary>Clamps in place (<c>clamp_</c>); at least one bound is needed.</summary>
    public Tensor Clamp_(double? min = null, double? max = null)
    {
        if (min is null && max is null)
            throw OpErrors.Argument("clamp_", $"at least one of 'min' or 'max' must be given (input {DType.Name()}{Shape}).");
        var items = new List<(string, object)>(2);
        if (min is { } lo) items.Add(("min", CheckScalar(lo, "clamp_")));
        if (max is { } hi) items.Add(("max", CheckScalar(hi, "clamp_")));
        return InPlacePrimitives.Clamp.Invoke(Attributes.Of(items.ToArray()), this);
    }

    /// <summary>
    /// Copies <paramref name="source"/> (broadcast to this tensor's shape, converted to its dtype) into
    /// this tensor, in place (PyTorch's <c>copy_</c>); the gradient flows to the source.
    /// </summary>
    public Tensor Copy_(Tensor source)
    {
        if (source.DType != DType) source = source.To(DType);
        return InPlacePrimitives.Copy.Invoke(Attributes.Of(("shape", _shape)), this, source);
    }

    /// <summary>Sets every element to <paramref name="value"/>, in place (<c>fill_</c>).</summary>
    public Tensor Fill_(double value) => Copy_(Const(CheckScalar(value, "fill_")));

    /// <summary>Sets every element to zero, in place (<c>zero_</c>).</summary>
    public Tensor Zero_() => Fill_(0);

    /// <summary>Writes <paramref name="value"/> where <paramref name="mask"/> is true, in place (<c>masked_fill_</c>).</summary>
    public Tensor MaskedFill_(Tensor mask, double value) => MaskedFill_(mask, Const(CheckScalar(value, "masked_fill_")));

    /// <summary>Writes the 0-dim <paramref name="value"/> where <paramref name="mask"/> is true, in place (<c>masked_fill_</c>).</summary>
    public Tensor MaskedFill_(Tensor mask, Tensor value)
    {
        if (mask.DType != DType.Bool)
            throw OpErrors.Argument("masked_fill_", $"expected a bool mask, got {mask.DType.Name()}{mask.Shape}. Make one with a comparison (e.g. x.Gt(0)).");
        if (value.DType != DType)
            throw OpErrors.Argument("masked_fill_", $"expected the value to have the input's dtype {DType.Name()}, got {value.DType.Name()}. Convert with .To(DType.{DType}).");
        return InPlacePrimitives.MaskedFill.Invoke(Attributes.Empty, this, mask, value);
    }

    /// <summary>
    /// Writes <paramref name="values"/> at the positions <paramref name="index"/> names along dimension 0
    /// (PyTorch's <c>index_put_((index,), values, accumulate)</c> with one int64 index tensor): with
    /// <paramref name="accumulate"/> the values are added (repeated positions add up), otherwise they
    /// replace the rows (a position named twice takes one of its values, as in PyTorch).
    /// </summary>
    public Tensor IndexPut_(Tensor index, Tensor values, bool accumulate = false)
    {
        if (index.DType != DType.Int64 || index.Rank != 1)
            throw OpErrors.Argument("index_put_", $"expected a 1-dim int64 index, got {index.DType.Name()}{index.Shape}.");
        if (Rank == 0) throw OpErrors.Argument("index_put_", "cannot index a 0-dim tensor.");
        var rowShape = (int[])_shape.Clone();
        rowShape[0] = index.Size(0);
        if (values.DType != DType) values = values.To(DType);
        var src = values.Shape == Shape.Wrap(rowShape) ? values : values.Expand(rowShape);
        if (accumulate)
            return InPlacePrimitives.IndexAdd.Invoke(Attributes.Of(("dim", 0)), this, index, src);
        // Replace: clear the named rows, then add the values there.
        var hit = Zeros([_shape[0]], DType, Device).IndexAdd(0, index, Ones([index.Size(0)], DType, Device)).Gt(0);
        var shape = new int[Rank];
        Array.Fill(shape, 1);
        shape[0] = _shape[0];
        var cleared = Where(hit.Reshape(shape), Const(0), this);
        return Copy_(cleared.IndexAdd(0, index, src));
    }

    /// <summary>
    /// Writes <paramref name="value"/> (broadcast) into the region the index expression selects:
    /// <c>x[0, 1..3] = v</c> (PyTorch's <c>x[0, 1:3] = v</c>). Recorded as the functional update of the
    /// whole tensor followed by <c>copy_</c>, so gradients flow to both the kept part of x and v.
    /// </summary>
    private void SetIndexed(TensorIndex[] indices, Tensor value)
    {
        var region = GetIndexed(indices, out var steps);
        if (value.DType != DType) value = value.To(DType);
        var regionShape = region._shape;
        var v = value.Shape == region.Shape ? value : value.Expand(regionShape);
        // Embed the value and a mask of the region into this tensor's shape, undoing each view step.
        var embedded = v;
        var mask = Ones(regionShape, DType, Device);
        for (int k = steps.Count - 1; k >= 0; k--)
        {
            embedded = steps[k].Embed(embedded);
            mask = steps[k].Embed(mask);
        }
        Copy_(Where(mask.Ne(0), embedded, this));
    }

    /// <summary>Sets the elements where the bool <paramref name="mask"/> is true (<c>x[mask] = value</c>).</summary>
    [System.Runtime.CompilerServices.IndexerName("Index")]
    public Tensor this[Tensor mask]
    {
        set
        {
            if (mask.DType != DType.Bool)
                throw OpErrors.Argument("index", $"a tensor index must be a bool mask here, got {mask.DType.Name()}{mask.Shape}.");
            if (value.Rank != 0)
                throw OpErrors.Argument("index", $"assigning through a mask takes a 0-dim value, got shape {value.Shape}.");
            MaskedFill_(mask, value.DType == DType ? value : value.To(DType));
        }
    }

    /// <summary>One view step of an index expression, with how to embed a tensor of its result back into its input's shape.</summary>
    private readonly record struct IndexStep(int[] InputShape, int Dim, int Start, int End, int Step, bool Removes, bool Inserts)
    {
        public Tensor Embed(Tensor t)
        {
            if (Inserts) return t.Squeeze(Dim);
            if (Removes) t = t.Unsqueeze(Dim);
            return ViewPrimitives.SliceBackward.Invoke(Attributes.Of(("shape", InputShape), ("dim", Dim), ("start", Start), ("end", End), ("step", Step)), t);
        }
    }
}
