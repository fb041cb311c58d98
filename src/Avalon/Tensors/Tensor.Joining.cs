using Avalon.Primitives;
using Avalon.Primitives.Indexing;
using Avalon.Primitives.Views;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Joins tensors along an existing dim (PyTorch's <c>torch.cat</c>). All must have the same dtype and
    /// rank and equal sizes except along <paramref name="dim"/>; 1-D empty tensors are skipped, as in PyTorch.
    /// </summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw OpErrors.Argument("cat", "expected a non-empty list of tensors.");
        var kept = new List<Tensor>(tensors.Count);
        foreach (var t in tensors)
            if (!(t.Rank == 1 && t.Numel == 0)) kept.Add(t);
        if (kept.Count == 0) kept.Add(tensors[0]);
        var first = kept[0];
        if (first.Rank == 0)
            throw OpErrors.Argument("cat", $"zero-dimensional tensor (at position {IndexOf(tensors, first)}, shape {first.Shape}) cannot be concatenated; unsqueeze it or use stack.");
        int d = ShapeUtil.NormalizeDim(dim, first.Rank, "cat");
        return JoiningPrimitives.Cat.Invoke(Attributes.Of(("dim", d)), kept.ToArray());
    }

    /// <summary>Same as <see cref="Cat"/> (PyTorch's <c>torch.concat</c>).</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim = 0) => Cat(tensors, dim);

    private static int IndexOf(IReadOnlyList<Tensor> tensors, Tensor t)
    {
        for (int i = 0; i < tensors.Count; i++) if (ReferenceEquals(tensors[i], t)) return i;
        return -1;
    }

    /// <summary>
    /// Joins tensors of equal shape along a new dim (PyTorch's <c>torch.stack</c>): each is unsqueezed at
    /// <paramref name="dim"/> (which may be -rank-1 .. rank) and the results are concatenated.
    /// </summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw OpErrors.Argument("stack", "expected a non-empty list of tensors.");
        var shape = tensors[0].Shape;
        for (int i = 1; i < tensors.Count; i++)
            if (tensors[i].Shape != shape)
                throw OpErrors.Argument("stack", $"expects each tensor to be equal size, but got {shape} at entry 0 and {tensors[i].Shape} at entry {i}.");
        int d = ShapeUtil.NormalizeDim(dim, shape.Rank + 1, "stack");
        var parts = new Tensor[tensors.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = tensors[i].Unsqueeze(d);
        return JoiningPrimitives.Cat.Invoke(Attributes.Of(("dim", d)), parts);
    }

    /// <summary>
    /// Splits into views of <paramref name="splitSize"/> elements along <paramref name="dim"/> (the last
    /// may be smaller), like PyTorch's <c>split(int)</c>. One call of the <c>split</c> primitive.
    /// </summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "split");
        if (Rank == 0) throw OpErrors.Argument("split", "expected a tensor with at least one dimension, got a 0-dimensional tensor.");
        int size = _shape[d];
        if (splitSize < 0 || splitSize == 0 && size != 0)
            throw OpErrors.Argument("split", $"split_size must be positive for a dimension of size {size} (dim {d} of shape {Shape}), got {splitSize}.");
        int count = splitSize == 0 ? 1 : Math.Max((size + splitSize - 1) / splitSize, 1);
        var sizes = new int[count];
        for (int i = 0; i < count; i++)
        {
            int start = Math.Min(i * splitSize, size);
            sizes[i] = Math.Min(start + splitSize, size) - start;
        }
        return SplitPrimitives.Split.InvokeMany(Attributes.Of(("sizes", sizes), ("dim", d)), this);
    }

    /// <summary>
    /// Splits into views of the given sizes along <paramref name="dim"/>; they must sum to the dim's size
    /// (PyTorch's <c>split</c> with a list of sections). One call of the <c>split</c> primitive.
    /// </summary>
    public Tensor[] Split(int[] splitSizes, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(splitSizes);
        int d = ShapeUtil.NormalizeDim(dim, Rank, "split");
        if (Rank == 0) throw OpErrors.Argument("split", "expected a tensor with at least one dimension, got a 0-dimensional tensor.");
        long sum = 0;
        foreach (int s in splitSizes)
        {
            if (s < 0) throw OpErrors.Argument("split", $"split sizes must be non-negative, got [{string.Join(", ", splitSizes)}].");
            sum += s;
        }
        if (sum != _shape[d])
            throw OpErrors.Argument(
                "split", $"split sizes [{string.Join(", ", splitSizes)}] sum to {sum} but dimension {d} of the input (shape {Shape}) has size {_shape[d]}.");
        if (splitSizes.Length == 0) return [];
        return SplitPrimitives.Split.InvokeMany(Attributes.Of(("sizes", splitSizes), ("dim", d)), this);
    }

    /// <summary>
    /// Splits into at most <paramref name="chunks"/> views of equal size ⌈n / chunks⌉ along <paramref name="dim"/>
    /// (the last may be smaller, and fewer chunks may result), like PyTorch's <c>chunk</c>. One call of the
    /// <c>split</c> primitive.
    /// </summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks <= 0) throw OpErrors.Argument("chunk", $"number of chunks must be positive, got {chunks}.");
        int d = ShapeUtil.NormalizeDim(dim, Rank, "chunk");
        if (Rank == 0) throw OpErrors.Argument("chunk", "expected a tensor with at least one dimension, got a 0-dimensional tensor.");
        int size = _shape[d];
        if (size == 0) return Split(new int[chunks], d);
        return Split((size + chunks - 1) / chunks, d);
    }

    /// <summary>
    /// The slices along <paramref name="dim"/>, each with that dim removed (views; PyTorch's <c>unbind</c>).
    /// One call of the <c>unbind</c> primitive; an empty array when the dim has size 0.
    /// </summary>
    public Tensor[] Unbind(int dim = 0)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "unbind");
        if (Rank == 0) throw OpErrors.Argument("unbind", "dimension specified as 0 but the tensor has no dimensions.");
        if (_shape[d] == 0) return [];
        return SplitPrimitives.Unbind.InvokeMany(Attributes.Of(("dim", d)), this);
    }

    /// <summary>
    /// Tiles the tensor <paramref name="repeats"/>[i] times along each dim (PyTorch's <c>repeat</c>); extra
    /// leading repeats add dims. Built from reshape and expand, so it is differentiable.
    /// </summary>
    public Tensor Repeat(params int[] repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        if (repeats.Length < Rank)
            throw OpErrors.Argument(
                "repeat", $"number of repeat dims ({repeats.Length}) can not be smaller than the number of dimensions of the tensor ({Rank}, shape {Shape}).");
        foreach (int r in repeats)
            if (r < 0) throw OpErrors.Argument("repeat", $"repeats must be non-negative, got [{string.Join(", ", repeats)}].");
        int lead = repeats.Length - Rank;
        var interleaved = new int[2 * repeats.Length];
        var expanded = new int[2 * repeats.Length];
        var result = new int[repeats.Length];
        for (int i = 0; i < repeats.Length; i++)
        {
            int size = i < lead ? 1 : _shape[i - lead];
            interleaved[2 * i] = 1;
            interleaved[2 * i + 1] = size;
            expanded[2 * i] = repeats[i];
            expanded[2 * i + 1] = size;
            result[i] = repeats[i] * size;
        }
        return Reshape(interleaved).Expand(expanded).Contiguous().Reshape(result);
    }
}
