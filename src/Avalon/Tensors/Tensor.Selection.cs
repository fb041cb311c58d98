using Avalon.Primitives.Elementwise;
using P = Avalon.Primitives.Attributes;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>Elementwise maximum with broadcasting, NaN propagating (<c>torch.maximum</c>); ties share the gradient.</summary>
    public Tensor Maximum(Tensor other) => SelectionPrimitives.Maximum.Invoke(P.Empty, this, other);

    /// <summary>Elementwise minimum with broadcasting, NaN propagating (<c>torch.minimum</c>); ties share the gradient.</summary>
    public Tensor Minimum(Tensor other) => SelectionPrimitives.Minimum.Invoke(P.Empty, this, other);

    /// <summary>
    /// Clamps every element into [<paramref name="min"/>, <paramref name="max"/>] (<c>torch.clamp</c>): min(max(x, min), max),
    /// so max wins when min &gt; max. Either bound may be omitted, not both. The gradient passes where min ≤ x ≤ max.
    /// </summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null)
            throw OpErrors.Argument("clamp", $"at least one of 'min' or 'max' must be given (input {DType.Name()}{Shape}).");
        var items = new List<(string, object)>(2);
        if (min is { } lo) items.Add(("min", CheckScalar(lo, "clamp")));
        if (max is { } hi) items.Add(("max", CheckScalar(hi, "clamp")));
        return SelectionPrimitives.Clamp.Invoke(P.Of(items.ToArray()), this);
    }

    /// <summary>
    /// Clamps elementwise between tensor bounds, all broadcast together (<c>torch.clamp</c> with tensors).
    /// The gradient goes to the input where min ≤ x ≤ max, to <paramref name="min"/> where x &lt; min and to
    /// <paramref name="max"/> where the result would exceed max.
    /// </summary>
    public Tensor Clamp(Tensor? min, Tensor? max)
    {
        if (min is null && max is null)
            throw OpErrors.Argument("clamp", $"at least one of 'min' or 'max' must be given (input {DType.Name()}{Shape}).");
        foreach (var bound in new[] { min, max })
            if (bound is not null && bound.DType != DType)
                throw OpErrors.Argument(
                    "clamp", $"expected the bounds to have the input's dtype {DType.Name()}, but got {bound.DType.Name()}{bound.Shape} for input {DType.Name()}{Shape}. Convert with .To(DType.{DType}).");
        var r = this;
        if (min is not null) r = Where(r < min, min, r);
        if (max is not null) r = Where(r > max, max, r);
        return r;
    }

    /// <summary>Clamps from below (<c>torch.clamp_min</c>).</summary>
    public Tensor ClampMin(double min) => Clamp(min, null);

    /// <summary>Clamps from above (<c>torch.clamp_max</c>).</summary>
    public Tensor ClampMax(double max) => Clamp(null, max);

    /// <summary>Clamps from below by a tensor (<c>torch.clamp_min</c>).</summary>
    public Tensor ClampMin(Tensor min) => Clamp(min, null);

    /// <summary>Clamps from above by a tensor (<c>torch.clamp_max</c>).</summary>
    public Tensor ClampMax(Tensor max) => Clamp(null, max);

    /// <summary>
    /// Elements of <paramref name="input"/> where <paramref name="condition"/> (bool) holds and of
    /// <paramref name="other"/> elsewhere, all three broadcast together (<c>torch.where</c>).
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor input, Tensor other) =>
        SelectionPrimitives.Where.Invoke(P.Empty, condition, input, other);

    /// <summary><see cref="Where(Tensor, Tensor, Tensor)"/> with a scalar for the elements where the condition fails.</summary>
    public static Tensor Where(Tensor condition, Tensor input, double other) =>
        Where(condition, input, input.Const(input.CheckScalar(other, "where")));

    /// <summary><see cref="Where(Tensor, Tensor, Tensor)"/> with a scalar for the elements where the condition holds.</summary>
    public static Tensor Where(Tensor condition, double input, Tensor other) =>
        Where(condition, other.Const(other.CheckScalar(input, "where")), other);

    /// <summary>
    /// This tensor with <paramref name="value"/> where <paramref name="mask"/> (bool, broadcastable to this
    /// tensor's shape) is true (<c>Tensor.masked_fill</c>). The gradient passes where the mask is false.
    /// </summary>
    public Tensor MaskedFill(Tensor mask, double value) => MaskedFill(mask, Const(CheckScalar(value, "masked_fill")));

    /// <summary>
    /// This tensor with the 0-dim <paramref name="value"/> where <paramref name="mask"/> is true; the
    /// gradient of <paramref name="value"/> is the sum over the filled elements.
    /// </summary>
    public Tensor MaskedFill(Tensor mask, Tensor value)
    {
        if (mask.DType != DType.Bool)
            throw OpErrors.Argument("masked_fill", $"expected a bool mask, got {mask.DType.Name()}{mask.Shape}. Make one with a comparison (e.g. x.Gt(0)).");
        if (!ShapeUtil.CanBroadcastTo(mask._shape, _shape))
            throw OpErrors.Argument("masked_fill", $"the mask of shape {mask.Shape} cannot be broadcast to the input's shape {Shape}.");
        if (value.Rank != 0)
            throw OpErrors.Argument("masked_fill", $"expected a 0-dim value tensor, got shape {value.Shape}.");
        if (value.DType != DType)
            throw OpErrors.Argument("masked_fill", $"expected the value to have the input's dtype {DType.Name()}, got {value.DType.Name()}. Convert with .To(DType.{DType}).");
        return Where(mask, value, this);
    }

    // A scalar that becomes an element of this tensor's dtype: integer dtypes take only whole numbers in
    // range, since nothing is rounded silently.
    private double CheckScalar(double value, string op)
    {
        bool ok = DType switch
        {
            DType.Int32 => value == Math.Floor(value) && value >= int.MinValue && value <= int.MaxValue,
            DType.Int64 => value == Math.Floor(value) && value >= -9.2233720368547758E18 && value < 9.2233720368547758E18,
            _ => true,
        };
        if (!ok)
            throw OpErrors.Argument(op, $"the value {value} cannot be represented in the {DType.Name()} tensor (shape {Shape}); convert the tensor with .To(DType.Float32) first.");
        return value;
    }
}
