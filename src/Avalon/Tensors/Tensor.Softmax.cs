using Avalon.Primitives;
using Avalon.Primitives.Reduction;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// softmax along <paramref name="dim"/>: exp(x) / Σ exp(x), computed stably (shifted by the maximum) in
    /// one fused kernel. Floating-point tensors only.
    /// </summary>
    public Tensor Softmax(int dim) =>
        SoftmaxPrimitives.Softmax.Invoke(Attributes.Of(("dim", ShapeUtil.NormalizeDim(dim, Rank, "softmax"))), this);

    /// <summary>
    /// log_softmax along <paramref name="dim"/>: x − log Σ exp(x), computed stably in one fused kernel
    /// (more accurate than <c>Softmax(dim).Log()</c>). Floating-point tensors only.
    /// </summary>
    public Tensor LogSoftmax(int dim) =>
        SoftmaxPrimitives.LogSoftmax.Invoke(Attributes.Of(("dim", ShapeUtil.NormalizeDim(dim, Rank, "log_softmax"))), this);

    /// <summary>softmax along <paramref name="dim"/> (<c>torch.softmax</c>).</summary>
    public static Tensor Softmax(Tensor input, int dim) => input.Softmax(dim);

    /// <summary>log_softmax along <paramref name="dim"/> (<c>torch.log_softmax</c>).</summary>
    public static Tensor LogSoftmax(Tensor input, int dim) => input.LogSoftmax(dim);
}
