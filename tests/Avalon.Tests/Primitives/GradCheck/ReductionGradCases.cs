namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>Grad checks for the reduction and softmax primitives (prod, amax/amin, max/min with dim, var/std, logsumexp, softmax, log_softmax).</summary>
public sealed class ReductionGradCases : IGradCheckCases
{
    private static Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator((ulong)shape.Sum() * 13 + 5), DType.Float64);

    private static Tensor D(double[] values, params int[] shape) => Tensor.From(values).Reshape(shape);

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("prod", "all", x => x[0].Prod() * x[0], [R(2, 3)]);
        yield return new("prod", "dim 1 keepdim", x => x[0].Prod(1, keepDim: true) * x[0], [R(3, 4)]);
        yield return new("prod", "dim 0 of transposed", x => x[0].T.Prod(0), [R(3, 4)]);
        yield return new("prod", "one zero per row", x => x[0].Prod(1), [D([1.5, 0, -2, 0.7, 0, 0.3, 1.1, 2], 2, 4)]);
        // With two zeros in a group the second derivative between them is lost, as in PyTorch; check first order only.
        yield return new("prod", "two zeros in a row", x => x[0].Prod(1), [D([1.5, 0, -2, 0, 0.3, 1.2], 2, 3)]) { SecondOrder = false };
        yield return new("amax", "dims [0, 2]", x => x[0].Amax([0, 2]) * x[0].Amax([0, 2]), [R(2, 3, 4)]);
        yield return new("amax", "all", x => x[0].Amax() * x[0], [R(5)]);
        // Two-way ties: central differences see half the slope on each tied element, which is the even
        // share. The gradient is locally constant there, so only first order applies.
        yield return new("amax", "ties", x => x[0].Amax(1), [D([1, 3, 3, 2, -1, 2], 2, 3)]) { SecondOrder = false };
        yield return new("amin", "dim -1 keepdim", x => x[0].Amin(-1, keepDim: true) * x[0], [R(3, 4)]);
        yield return new("amin", "ties", x => x[0].Min(), [D([2, 1, 1, 3], 4)]) { SecondOrder = false };
        yield return new("max_dim", "dim 1", x => x[0].Max(1).Values * x[0].Max(1).Values, [R(3, 5)]);
        yield return new("max_dim", "dim 0 keepdim", x => x[0].Max(0, keepDim: true).Values * x[0], [R(4, 3)]);
        yield return new("min_dim", "dim -1", x => x[0].Min(-1).Values.Exp(), [R(2, 3, 4)]);
        yield return new("var", "unbiased, dim 1", x => x[0].Var(1), [R(3, 5)]);
        yield return new("var", "population, dims [0, 2] keepdim", x => x[0].Var([0, 2], correction: 0, keepDim: true) * x[0], [R(2, 3, 4)]);
        yield return new("var", "all", x => x[0].Var() * x[0].Var(), [R(6)]);
        yield return new("std", "unbiased, dim 0", x => x[0].Std(0), [R(4, 3)]);
        yield return new("std", "population, all", x => x[0].Std(unbiased: false) * x[0], [R(5)]);
        yield return new("logsumexp", "dim 1", x => x[0].LogSumExp(1), [R(3, 4)]);
        yield return new("logsumexp", "dims [0, 2] keepdim", x => x[0].LogSumExp([0, 2], keepDim: true) * x[0], [R(2, 3, 4)]);
        yield return new("softmax", "last dim", x => x[0].Softmax(-1), [R(3, 5)]);
        yield return new("softmax", "middle dim", x => x[0].Softmax(1) * x[0], [R(2, 3, 4)]);
        yield return new("softmax", "dim 0 of transposed", x => x[0].T.Softmax(0), [R(3, 4)]);
        yield return new("log_softmax", "last dim", x => x[0].LogSoftmax(-1), [R(3, 5)]);
        yield return new("log_softmax", "dim 0", x => x[0].LogSoftmax(0) * x[0], [R(4, 3)]);
    }
}
