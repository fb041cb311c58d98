using Avalon.Primitives.Reduction;

namespace Avalon;

public sealed partial class Tensor
{
    // ---- prod ----

    /// <summary>Product of all elements (a 0-dim tensor); 1 for an empty tensor (PyTorch's <c>prod()</c>).</summary>
    public Tensor Prod() => ProdPrimitives.Invoke(this, ReductionDims(null, "prod"), keepDim: false);

    /// <summary>Product over <paramref name="dim"/> (negative counts from the end).</summary>
    public Tensor Prod(int dim, bool keepDim = false) => ProdPrimitives.Invoke(this, ReductionDims([dim], "prod"), keepDim);

    /// <summary>Product of all elements, or over <paramref name="dim"/> when given (<c>torch.prod</c>).</summary>
    public static Tensor Prod(Tensor input, int? dim = null, bool keepDim = false) =>
        dim is int d ? input.Prod(d, keepDim) : input.Prod();

    // ---- max / min ----

    /// <summary>
    /// The largest element (a 0-dim tensor); NaN if any element is NaN. Throws for an empty tensor.
    /// The gradient is shared evenly among tied maxima, as in PyTorch.
    /// </summary>
    public Tensor Max() => Amax();

    /// <summary>
    /// The largest elements along <paramref name="dim"/> and their indices (the first occurrence among
    /// ties; the first NaN if any), like <c>torch.max(input, dim)</c>. The gradient flows to the indexed elements.
    /// </summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false)
    {
        var dims = ReductionDims([dim], "max");
        return (ExtremumPrimitives.Invoke(ExtremumPrimitives.MaxDim, this, dims, keepDim),
                ExtremumPrimitives.Invoke(ExtremumPrimitives.ArgMax, this, dims, keepDim));
    }

    /// <summary>The smallest element (a 0-dim tensor); NaN if any element is NaN. Throws for an empty tensor.</summary>
    public Tensor Min() => Amin();

    /// <summary>The smallest elements along <paramref name="dim"/> and their indices (first occurrence among ties), like <c>torch.min(input, dim)</c>.</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false)
    {
        var dims = ReductionDims([dim], "min");
        return (ExtremumPrimitives.Invoke(ExtremumPrimitives.MinDim, this, dims, keepDim),
                ExtremumPrimitives.Invoke(ExtremumPrimitives.ArgMin, this, dims, keepDim));
    }

    /// <summary>Maximum over <paramref name="dims"/> (all when null or empty); the gradient is shared evenly among ties.</summary>
    public Tensor Amax(int[]? dims = null, bool keepDim = false) =>
        ExtremumPrimitives.Invoke(ExtremumPrimitives.Amax, this, ReductionDims(dims, "amax"), keepDim);

    /// <summary>Maximum over one dim.</summary>
    public Tensor Amax(int dim, bool keepDim = false) => Amax([dim], keepDim);

    /// <summary>Minimum over <paramref name="dims"/> (all when null or empty); the gradient is shared evenly among ties.</summary>
    public Tensor Amin(int[]? dims = null, bool keepDim = false) =>
        ExtremumPrimitives.Invoke(ExtremumPrimitives.Amin, this, ReductionDims(dims, "amin"), keepDim);

    /// <summary>Minimum over one dim.</summary>
    public Tensor Amin(int dim, bool keepDim = false) => Amin([dim], keepDim);

    /// <summary>Maximum over dims (<c>torch.amax</c>).</summary>
    public static Tensor Amax(Tensor input, int[]? dims = null, bool keepDim = false) => input.Amax(dims, keepDim);

    /// <summary>Minimum over dims (<c>torch.amin</c>).</summary>
    public static Tensor Amin(Tensor input, int[]? dims = null, bool keepDim = false) => input.Amin(dims, keepDim);

    // ---- argmax / argmin ----

    /// <summary>
    /// Index (int64) of the largest element in the flattened tensor, or along <paramref name="dim"/> when
    /// given; the first occurrence among ties, the first NaN if any. Not differentiable.
    /// </summary>
    public Tensor ArgMax(int? dim = null, bool keepDim = false) => ArgExtremum(ExtremumPrimitives.ArgMax, "argmax", dim, keepDim);

    /// <summary>Index (int64) of the smallest element, flattened or along <paramref name="dim"/>; first occurrence among ties.</summary>
    public Tensor ArgMin(int? dim = null, bool keepDim = false) => ArgExtremum(ExtremumPrimitives.ArgMin, "argmin", dim, keepDim);

    /// <summary>Index of the largest element (<c>torch.argmax</c>).</summary>
    public static Tensor ArgMax(Tensor input, int? dim = null, bool keepDim = false) => input.ArgMax(dim, keepDim);

    /// <summary>Index of the smallest element (<c>torch.argmin</c>).</summary>
    public static Tensor ArgMin(Tensor input, int? dim = null, bool keepDim = false) => input.ArgMin(dim, keepDim);

    private Tensor ArgExtremum(Avalon.Primitives.Primitive p, string op, int? dim, bool keepDim)
    {
        if (dim is int d) return ExtremumPrimitives.Invoke(p, this, ReductionDims([d], op), keepDim);
        // Without a dim the index is into the flattened tensor; keepdim keeps every dim as size 1.
        return ExtremumPrimitives.Invoke(p, this, ReductionDims(null, op), keepDim);
    }

    // ---- var / std ----

    /// <summary>Variance of all elements; <paramref name="unbiased"/> divides by N − 1 (PyTorch's default) instead of N.</summary>
    public Tensor Var(bool unbiased = true) => Var((int[]?)null, unbiased ? 1 : 0);

    /// <summary>Variance over one dim.</summary>
    public Tensor Var(int dim, bool unbiased = true, bool keepDim = false) => Var([dim], unbiased ? 1 : 0, keepDim);

    /// <summary>Variance over <paramref name="dims"/> (all when null or empty).</summary>
    public Tensor Var(int[]? dims, bool unbiased = true, bool keepDim = false) => Var(dims, unbiased ? 1 : 0, keepDim);

    /// <summary>Variance over <paramref name="dims"/> (all when null or empty) with divisor max(0, N − <paramref name="correction"/>).</summary>
    public Tensor Var(int[]? dims, int correction, bool keepDim = false) =>
        VariancePrimitives.Invoke(VariancePrimitives.Var, this, ReductionDims(dims, "var"), CheckCorrection(correction, "var"), keepDim);

    /// <summary>Standard deviation of all elements; <paramref name="unbiased"/> divides by N − 1 (PyTorch's default) instead of N.</summary>
    public Tensor Std(bool unbiased = true) => Std((int[]?)null, unbiased ? 1 : 0);

    /// <summary>Standard deviation over one dim.</summary>
    public Tensor Std(int dim, bool unbiased = true, bool keepDim = false) => Std([dim], unbiased ? 1 : 0, keepDim);

    /// <summary>Standard deviation over <paramref name="dims"/> (all when null or empty).</summary>
    public Tensor Std(int[]? dims, bool unbiased = true, bool keepDim = false) => Std(dims, unbiased ? 1 : 0, keepDim);

    /// <summary>Standard deviation over <paramref name="dims"/> (all when null or empty) with divisor max(0, N − <paramref name="correction"/>).</summary>
    public Tensor Std(int[]? dims, int correction, bool keepDim = false) =>
        VariancePrimitives.Invoke(VariancePrimitives.Std, this, ReductionDims(dims, "std"), CheckCorrection(correction, "std"), keepDim);

    /// <summary>Variance (<c>torch.var</c>).</summary>
    public static Tensor Var(Tensor input, int[]? dims = null, bool unbiased = true, bool keepDim = false) => input.Var(dims, unbiased, keepDim);

    /// <summary>Standard deviation (<c>torch.std</c>).</summary>
    public static Tensor Std(Tensor input, int[]? dims = null, bool unbiased = true, bool keepDim = false) => input.Std(dims, unbiased, keepDim);

    private static int CheckCorrection(int correction, string op) => correction >= 0 ? correction
        : throw OpErrors.OutOfRange(op, nameof(correction), $"correction must be non-negative, got {correction}.");

    // ---- logsumexp ----

    /// <summary>log Σ exp(x) over <paramref name="dims"/>, computed without overflow (shifted by the maximum).</summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false)
    {
        if (dims is null || dims.Length == 0 && Rank > 0)
            throw OpErrors.Argument("logsumexp", $"expected at least one dim to reduce for input of shape {Shape}.");
        return LogSumExpPrimitives.LogSumExp.Invoke(
            Avalon.Primitives.Attributes.Of(("dims", ReductionDims(dims, "logsumexp")), ("keepdim", keepDim)), this);
    }

    /// <summary>log Σ exp(x) over one dim.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>log Σ exp(x) over dims (<c>torch.logsumexp</c>).</summary>
    public static Tensor LogSumExp(Tensor input, int[] dims, bool keepDim = false) => input.LogSumExp(dims, keepDim);

    // ---- all / any / count_nonzero ----

    /// <summary>Whether every element is nonzero (a 0-dim bool tensor; true for an empty tensor).</summary>
    public Tensor All() => Logical(LogicalReductionPrimitives.All, null, false, "all");

    /// <summary>Whether every element along <paramref name="dim"/> is nonzero (bool).</summary>
    public Tensor All(int dim, bool keepDim = false) => Logical(LogicalReductionPrimitives.All, [dim], keepDim, "all");

    /// <summary>Whether every element along <paramref name="dims"/> (all when null or empty) is nonzero (bool).</summary>
    public Tensor All(int[]? dims, bool keepDim = false) => Logical(LogicalReductionPrimitives.All, dims, keepDim, "all");

    /// <summary>Whether any element is nonzero (a 0-dim bool tensor; false for an empty tensor).</summary>
    public Tensor Any() => Logical(LogicalReductionPrimitives.Any, null, false, "any");

    /// <summary>Whether any element along <paramref name="dim"/> is nonzero (bool).</summary>
    public Tensor Any(int dim, bool keepDim = false) => Logical(LogicalReductionPrimitives.Any, [dim], keepDim, "any");

    /// <summary>Whether any element along <paramref name="dims"/> (all when null or empty) is nonzero (bool).</summary>
    public Tensor Any(int[]? dims, bool keepDim = false) => Logical(LogicalReductionPrimitives.Any, dims, keepDim, "any");

    /// <summary>The number of nonzero elements (int64), over <paramref name="dims"/> when given, else over all.</summary>
    public Tensor CountNonzero(int[]? dims = null) => Logical(LogicalReductionPrimitives.CountNonzero, dims, false, "count_nonzero");

    /// <summary>The number of nonzero elements (int64) along one dim.</summary>
    public Tensor CountNonzero(int dim) => CountNonzero([dim]);

    /// <summary>Whether every element is nonzero (<c>torch.all</c>).</summary>
    public static Tensor All(Tensor input) => input.All();

    /// <summary>Whether any element is nonzero (<c>torch.any</c>).</summary>
    public static Tensor Any(Tensor input) => input.Any();

    /// <summary>The number of nonzero elements (<c>torch.count_nonzero</c>).</summary>
    public static Tensor CountNonzero(Tensor input, int[]? dims = null) => input.CountNonzero(dims);

    private Tensor Logical(Avalon.Primitives.Primitive p, int[]? dims, bool keepDim, string op) =>
        p.Invoke(Avalon.Primitives.Attributes.Of(("dims", ReductionDims(dims, op)), ("keepdim", keepDim)), this);
}
