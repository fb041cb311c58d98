using Avalon.Primitives;
using Avalon.Primitives.Views;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// The same elements with a new shape; one size may be -1 and is inferred. A view when the layout
    /// allows, otherwise a copy (like PyTorch's <c>reshape</c>).
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var resolved = InferShape(shape, "reshape");
        if (resolved.AsSpan().SequenceEqual(_shape)) return this;
        return ViewPrimitives.Reshape.Invoke(Attributes.Of(("shape", resolved)), this);
    }

    /// <summary>Like <see cref="Reshape"/> but fails instead of copying when no view is possible (PyTorch's <c>view</c>).</summary>
    public Tensor View(params int[] shape)
    {
        var resolved = InferShape(shape, "view");
        if (ViewPrimitives.ViewStrides(_shape, _strides, resolved) is null)
            throw OpErrors.State(
                "view", $"size {ShapeUtil.Format(resolved)} is not compatible with input tensor's size {Shape} and stride {ShapeUtil.Format(_strides)} (at least one dimension spans across two contiguous subspaces). Use .Reshape(...) instead.");
        return Reshape(resolved);
    }

    private int[] InferShape(int[] shape, string op)
    {
        var result = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] == -1)
            {
                if (infer >= 0) throw OpErrors.Argument(op, $"only one dimension can be inferred (-1) in shape {ShapeUtil.Format(shape)}.");
                infer = i;
            }
            else if (result[i] < 0) throw OpErrors.Argument(op, $"invalid shape dimension {result[i]} in {ShapeUtil.Format(shape)}.");
            else known *= result[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Numel % known != 0)
                throw OpErrors.Argument(op, $"shape {ShapeUtil.Format(shape)} is invalid for input of size {Numel} (shape {Shape}).");
            result[infer] = (int)(Numel / known);
        }
        if (ShapeUtil.Numel(result) != Numel)
            throw OpErrors.Argument(op, $"shape {ShapeUtil.Format(shape)} is invalid for input of size {Numel} (shape {Shape}).");
        return result;
    }

    /// <summary>Flattens dims <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeUtil.NormalizeDim(startDim, Rank, "flatten"), e = ShapeUtil.NormalizeDim(endDim, Rank, "flatten");
        if (s > e) throw OpErrors.Argument("flatten", $"start_dim ({startDim}) cannot come after end_dim ({endDim}).");
        var shape = new List<int>();
        for (int i = 0; i < s; i++) shape.Add(_shape[i]);
        int prod = 1;
        for (int i = s; i <= e; i++) prod *= _shape[i];
        shape.Add(prod);
        for (int i = e + 1; i < Rank; i++) shape.Add(_shape[i]);
        return Reshape(shape.ToArray());
    }

    /// <summary>Reorders the dimensions (a view).</summary>
    public Tensor Permute(params int[] dims)
    {
        var norm = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) norm[i] = dims[i] < 0 && dims.Length == Rank ? dims[i] + Rank : dims[i];
        bool identity = true;
        for (int i = 0; i < norm.Length; i++) identity &= norm[i] == i;
        if (identity && norm.Length == Rank) return this;
        return ViewPrimitives.Permute.Invoke(Attributes.Of(("dims", norm)), this);
    }

    /// <summary>Swaps two dimensions (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        if (Rank < 2 && Rank == 0) return this;
        int a = ShapeUtil.NormalizeDim(dim0, Rank, "transpose"), b = ShapeUtil.NormalizeDim(dim1, Rank, "transpose");
        if (a == b) return this;
        var dims = Enumerable.Range(0, Rank).ToArray();
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return Permute(dims);
    }

    /// <summary>The transpose of a matrix (rank ≤ 2), like PyTorch's <c>.T</c> on 2-D tensors.</summary>
    public Tensor T => Rank < 2 ? this : Rank == 2 ? Transpose(0, 1)
        : throw OpErrors.State("T", $"expected a tensor of rank ≤ 2, got shape {Shape}; use Permute or Transpose(-2, -1) (mT).");

    /// <summary>The transpose of the last two dims (PyTorch's <c>.mT</c>).</summary>
    public Tensor MT => Rank < 2 ? throw OpErrors.State("mT", $"expected rank ≥ 2, got shape {Shape}.") : Transpose(-2, -1);

    /// <summary>Elements <paramref name="start"/> to <paramref name="end"/> (exclusive) by <paramref name="step"/> along <paramref name="dim"/>; negative bounds count from the end and out-of-range bounds are clamped (Python slicing).</summary>
    public Tensor Slice(int dim, int? start = null, int? end = null, int step = 1)
    {
        int d = ShapeUtil.NormalizeSizedDim(dim, Rank, "slice");
        if (step <= 0) throw OpErrors.Argument("slice", $"step must be positive, got {step}.");
        int size = _shape[d];
        int s = start ?? 0, e = end ?? size;
        if (s < 0) s += size;
        if (e < 0) e += size;
        s = Math.Clamp(s, 0, size);
        e = Math.Clamp(e, s, size);
        if (s == 0 && e == size && step == 1) return this;
        return ViewPrimitives.Slice.Invoke(Attributes.Of(("dim", d), ("start", s), ("end", e), ("step", step)), this);
    }

    /// <summary><paramref name="length"/> elements from <paramref name="start"/> along <paramref name="dim"/> (a view).</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = ShapeUtil.NormalizeSizedDim(dim, Rank, "narrow");
        if (start < 0) start += _shape[d];
        if (start < 0 || length < 0 || start + length > _shape[d])
            throw OpErrors.OutOfRange("narrow", nameof(start),
                $"start ({start}) + length ({length}) exceeds dimension size ({_shape[d]}) of dim {d} in shape {Shape}.");
        return Slice(d, start, start + length);
    }

    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/>, with that dim removed.</summary>
    public Tensor Select(int dim, int index)
    {
        int d = ShapeUtil.NormalizeSizedDim(dim, Rank, "select");
        int size = _shape[d];
        if (index < -size || index >= size)
            throw OpErrors.OutOfRange("select", nameof(index), $"index {index} is out of bounds for dimension {d} with size {size} (shape {Shape}).");
        if (index < 0) index += size;
        return Narrow(d, index, 1).Squeeze(d);
    }

    /// <summary>Broadcasts size-1 dims to the given sizes (-1 keeps a size), without copying.</summary>
    public Tensor Expand(params int[] shape)
    {
        var target = (int[])shape.Clone();
        int lead = target.Length - Rank;
        if (lead < 0) throw OpErrors.Argument("expand", $"the number of sizes provided ({target.Length}) must be greater or equal to the number of dimensions in the tensor ({Rank}).");
        for (int i = 0; i < target.Length; i++)
            if (target[i] == -1)
            {
                if (i < lead) throw OpErrors.Argument("expand", "-1 is not allowed in a leading, non-existing dimension.");
                target[i] = _shape[i - lead];
            }
        if (target.AsSpan().SequenceEqual(_shape)) return this;
        return ViewPrimitives.Expand.Invoke(Attributes.Of(("shape", target)), this);
    }

    /// <summary>Expands to <paramref name="other"/>'s shape.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other._shape);

    /// <summary>Broadcasts to <paramref name="shape"/> (PyTorch's <c>broadcast_to</c>).</summary>
    public Tensor BroadcastTo(params int[] shape) => Expand(shape);

    /// <summary>Removes size-1 dims (all, or just <paramref name="dim"/> if it has size 1).</summary>
    public Tensor Squeeze(int? dim = null)
    {
        if (dim is int d0)
        {
            int d = ShapeUtil.NormalizeDim(d0, Rank, "squeeze");
            if (Rank == 0 || _shape[d] != 1) return this;
            return Reshape(_shape.Where((_, i) => i != d).ToArray());
        }
        return Reshape(_shape.Where(s => s != 1).ToArray());
    }

    /// <summary>Inserts a size-1 dim at <paramref name="dim"/> (a view).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank + 1, "unsqueeze");
        var shape = _shape.ToList();
        shape.Insert(d, 1);
        return Reshape(shape.ToArray());
    }

    /// <summary>A dense row-major tensor with the same values (this tensor itself if already dense).</summary>
    public Tensor Contiguous() => IsContiguous ? this : ViewPrimitives.Copy.Invoke(Attributes.Empty, this);

    /// <summary>A dense copy, always new storage (PyTorch's <c>clone</c>).</summary>
    public Tensor Clone() => ViewPrimitives.Copy.Invoke(Attributes.Empty, this);

    /// <summary>
    /// Indexing with integers, ranges (<c>1..3</c>, <c>..</c>, <c>^1</c>), <see cref="TensorIndex.NewAxis"/>
    /// and <see cref="TensorIndex.Ellipsis"/>; the result is a view. Assigning (<c>x[0, 1..3] = v</c>)
    /// writes <c>v</c>, broadcast, into that region in place.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("Index")]
    public Tensor this[params TensorIndex[] indices]
    {
        get => GetIndexed(indices, out _);
        set => SetIndexed(indices, value);
    }

    private Tensor GetIndexed(TensorIndex[] indices, out List<IndexStep> steps)
    {
        steps = [];
        int consumed = indices.Count(i => i.Type is TensorIndex.Kind.Single or TensorIndex.Kind.Range);
        if (indices.Count(i => i.Type == TensorIndex.Kind.Ellipsis) > 1)
            throw OpErrors.Argument("index", "an index can only have a single ellipsis.");
        if (consumed > Rank)
            throw OpErrors.OutOfRange("index", nameof(indices), $"too many indices for tensor of dimension {Rank} (shape {Shape}): got {consumed}.");
        var result = this;
        int dim = 0;
        foreach (var index in indices)
        {
            switch (index.Type)
            {
                case TensorIndex.Kind.Single:
                    int size = result._shape[dim];
                    int i = index.Single.IsFromEnd ? size - index.Single.Value : index.Single.Value;
                    if (i < 0 || i >= size)
                        throw OpErrors.OutOfRange("index", nameof(indices), $"index {(index.Single.IsFromEnd ? -index.Single.Value : index.Single.Value)} is out of bounds for dimension {dim} with size {size} (shape {Shape}).");
                    steps.Add(new IndexStep(result._shape, dim, i, i + 1, 1, Removes: true, Inserts: false));
                    result = result.Select(dim, i);
                    break;
                case TensorIndex.Kind.Range:
                    int n = result._shape[dim];
                    var (off, len) = ClampRange(index.Window, n);
                    steps.Add(new IndexStep(result._shape, dim, off, off + len, index.Step, Removes: false, Inserts: false));
                    result = result.Slice(dim, off, off + len, index.Step);
                    dim++;
                    break;
                case TensorIndex.Kind.NewAxis:
                    steps.Add(new IndexStep(result._shape, dim, 0, 0, 1, Removes: false, Inserts: true));
                    result = result.Unsqueeze(dim);
                    dim++;
                    break;
                case TensorIndex.Kind.Ellipsis:
                    dim += Rank - consumed;
                    break;
            }
        }
        return result;
    }

    private static (int Offset, int Length) ClampRange(Range r, int n)
    {
        int s = r.Start.IsFromEnd ? n - r.Start.Value : r.Start.Value;
        int e = r.End.IsFromEnd ? n - r.End.Value : r.End.Value;
        s = Math.Clamp(s, 0, n);
        e = Math.Clamp(e, s, n);
        return (s, e - s);
    }
}
