using Avalon.Primitives;
using Avalon.Primitives.Indexing;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Picks values along <paramref name="dim"/> by an int64 index of the same rank (PyTorch's <c>gather</c>):
    /// <c>out[i][j][k] = this[index[i][j][k]][j][k]</c> for dim 0. The result has the index's shape, which may
    /// not exceed this tensor's outside <paramref name="dim"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index value lies outside [0, size of <paramref name="dim"/>).</exception>
    public Tensor Gather(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return GatherScatterPrimitives.Gather.Invoke(GatherScatterPrimitives.DimAttribute(ShapeUtil.NormalizeDim(dim, Rank, "gather")), this, index);
    }

    /// <summary>Same as <paramref name="input"/>.Gather(dim, index) (PyTorch's <c>torch.gather</c>).</summary>
    public static Tensor Gather(Tensor input, int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Gather(dim, index);
    }

    /// <summary>
    /// A copy of this tensor with values of <paramref name="src"/> written at the positions an int64 index
    /// names along <paramref name="dim"/> (PyTorch's out-of-place <c>scatter</c>): <c>out[index[i][j]][j] = src[i][j]</c>
    /// for dim 0. Where an index repeats, which write wins is unspecified (as in PyTorch).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index value lies outside [0, size of <paramref name="dim"/>).</exception>
    public Tensor Scatter(int dim, Tensor index, Tensor src)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(src);
        return GatherScatterPrimitives.Scatter.Invoke(GatherScatterPrimitives.DimAttribute(ShapeUtil.NormalizeDim(dim, Rank, "scatter")), this, index, src);
    }

    /// <summary>A copy of this tensor with <paramref name="value"/> written at the indexed positions (PyTorch's <c>scatter</c> with a scalar).</summary>
    public Tensor Scatter(int dim, Tensor index, double value)
    {
        ArgumentNullException.ThrowIfNull(index);
        return Scatter(dim, index, Scalar(value, DType, Device).Expand(index.Shape.ToArray()));
    }

    /// <summary>
    /// A copy of this tensor with <paramref name="src"/> added at the positions an int64 index names along
    /// <paramref name="dim"/>, accumulating where an index repeats (PyTorch's out-of-place <c>scatter_add</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index value lies outside [0, size of <paramref name="dim"/>).</exception>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor src)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(src);
        return GatherScatterPrimitives.ScatterAdd.Invoke(GatherScatterPrimitives.DimAttribute(ShapeUtil.NormalizeDim(dim, Rank, "scatter_add")), this, index, src);
    }

    /// <summary>
    /// The slices along <paramref name="dim"/> named by a 1-D int64 index, in its order (repeats allowed;
    /// PyTorch's <c>index_select</c>). The result has this tensor's shape with <paramref name="dim"/> resized to the index's length.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index value lies outside [0, size of <paramref name="dim"/>).</exception>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return IndexSelectPrimitives.IndexSelect.Invoke(
            GatherScatterPrimitives.DimAttribute(ShapeUtil.NormalizeDim(dim, Rank, "index_select")), this, index);
    }

    /// <summary>
    /// <see cref="IndexSelect(int, Tensor)"/> written into <paramref name="output"/>, a dense tensor of the result's
    /// shape, dtype and device (PyTorch's <c>torch.index_select(input, dim, index, out=output)</c>), which is returned.
    /// Reusing one output across calls — a training loop's batch drawn from a dataset tensor — keeps the loop from
    /// touching fresh memory on every call. Like PyTorch's <c>out=</c> forms it is not differentiable and is not
    /// recorded: it is refused while a tape traces on this thread and, with gradients enabled, when this tensor
    /// requires a gradient.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> has another shape, dtype or device than the
    /// result, is not dense, or shares this tensor's or the index's storage.</exception>
    /// <exception cref="InvalidOperationException">A tape is tracing, or the call would need a gradient.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index value lies outside [0, size of <paramref name="dim"/>).</exception>
    public Tensor IndexSelect(int dim, Tensor index, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(output);
        const string op = "index_select";
        if (Autodiff.Recorder.ActiveTapes.Count > 0)
            throw OpErrors.State(op, "the form with an output tensor is not recorded on a tape; trace the form that returns its result.");
        if (Autodiff.GradMode.IsEnabled && RequiresGrad)
            throw OpErrors.State(op, "the form with an output tensor does not support automatic differentiation, but the input requires a gradient; call it under NoGrad or use the form that returns its result.");
        var primitive = IndexSelectPrimitives.IndexSelect;
        var attributes = primitive.ValidateAttributes(GatherScatterPrimitives.DimAttribute(ShapeUtil.NormalizeDim(dim, Rank, op)));
        var spec = primitive.InferSpec([Spec, index.Spec], attributes);
        if (output.Spec != spec)
            throw OpErrors.Argument(op, $"expected an output of shape {spec.Shape}, dtype {spec.DType} on {spec.Device}, got shape {output.Shape}, dtype {output.DType} on {output.Device}.");
        if (!output.IsContiguous)
            throw OpErrors.Argument(op, $"expected a dense (row-major) output, got strides [{string.Join(", ", output.Strides)}] for shape {output.Shape}.");
        if (ReferenceEquals(output.Storage, Storage) || ReferenceEquals(output.Storage, index.Storage))
            throw OpErrors.Argument(op, "the output shares storage with an input; expected a separate tensor.");
        primitive.Compute([this, index], attributes, [output]);
        output.Storage.BumpVersion();
        return output;
    }

    /// <summary>
    /// A copy of this tensor with slice k of <paramref name="source"/> (times <paramref name="alpha"/>) added to
    /// slice index[k] along <paramref name="dim"/>, accumulating over repeated indices (PyTorch's out-of-place <c>index_add</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index value lies outside [0, size of <paramref name="dim"/>).</exception>
    public Tensor IndexAdd(int dim, Tensor index, Tensor source, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        var scaled = alpha == 1 ? source : source * alpha;
        return IndexSelectPrimitives.IndexAdd.Invoke(
            GatherScatterPrimitives.DimAttribute(ShapeUtil.NormalizeDim(dim, Rank, "index_add")), this, index, scaled);
    }

    /// <summary>
    /// Gathers along <paramref name="dim"/> with indices that broadcast against this tensor in the other dims
    /// (PyTorch's <c>take_along_dim</c>); without a dim, both are flattened first.
    /// </summary>
    public Tensor TakeAlongDim(Tensor indices, int? dim = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (dim is not int d0) return Flatten().Gather(0, indices.Flatten());
        if (indices.Rank != Rank)
            throw OpErrors.Argument(
                "take_along_dim", $"input and indices should have the same number of dimensions, but the input has shape {Shape} and the indices {indices.Shape}.");
        int d = ShapeUtil.NormalizeDim(d0, Rank, "take_along_dim");
        var selfShape = ToArrayWith(_shape, d, 1);
        var indexShape = ToArrayWith(indices._shape, d, 1);
        var broadcast = ShapeUtil.Broadcast(selfShape, indexShape, "take_along_dim");
        var self = Expand(ToArrayWith(broadcast, d, _shape[d]));
        return self.Gather(d, indices.Expand(ToArrayWith(broadcast, d, indices._shape[d])));
    }

    /// <summary>
    /// The elements where a bool <paramref name="mask"/> (broadcast against this tensor) is true, as a 1-D tensor
    /// in row-major order (PyTorch's <c>masked_select</c>). The positions are read from the mask when called, so
    /// a recorded tape holds them as a constant; the gradient flows through an index selection.
    /// </summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.DType != DType.Bool)
            throw OpErrors.Argument("masked_select", $"expected a bool mask, got {mask.DType.Name()}{mask.Shape}. Build one with a comparison or convert with .To(DType.Bool).");
        var shape = ShapeUtil.Broadcast(_shape, mask._shape, "masked_select");
        var flags = mask.Detach().Expand(shape).ToArray<bool>();
        var positions = new List<long>();
        for (int i = 0; i < flags.Length; i++) if (flags[i]) positions.Add(i);
        return Expand(shape).Reshape(-1).IndexSelect(0, From(positions.ToArray()).To(Device));
    }

    private static int[] ToArrayWith(int[] shape, int dim, int size)
    {
        var result = (int[])shape.Clone();
        result[dim] = size;
        return result;
    }

    /// <summary>
    /// One-hot encoding of int64 class indices (PyTorch's <c>F.one_hot</c>): the result has a trailing dim of
    /// <paramref name="numClasses"/> (inferred as max + 1 when -1) holding 1 at the class and 0 elsewhere, as int64.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A class value is negative or not below <paramref name="numClasses"/>.</exception>
    public static Tensor OneHot(Tensor indices, int numClasses = -1)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.DType != DType.Int64)
            throw OpErrors.Argument("one_hot", $"expected int64 class indices, got {indices.DType.Name()}{indices.Shape}. Convert them with .To(DType.Int64).");
        if (numClasses == -1)
        {
            if (indices.Numel == 0)
                throw OpErrors.Argument("one_hot", $"can not infer the total number of classes from an empty tensor (shape {indices.Shape}); pass numClasses.");
            long max = long.MinValue;
            foreach (long v in indices.ToArray<long>()) max = Math.Max(max, v);
            if (max < 0 || max >= int.MaxValue)
                throw OpErrors.OutOfRange("one_hot", nameof(indices), max, $"class value {max} cannot define the number of classes; class values must be non-negative (indices shape {indices.Shape}).");
            numClasses = (int)max + 1;
        }
        else if (numClasses < 0)
            throw OpErrors.Argument("one_hot", $"numClasses must be non-negative or -1 (infer), got {numClasses}.");
        return OneHotPrimitives.OneHot.Invoke(Attributes.Of(("num_classes", numClasses)), indices);
    }
}
