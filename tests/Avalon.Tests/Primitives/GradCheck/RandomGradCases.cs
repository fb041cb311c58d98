namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Grad checks for the random primitives that carry a gradient: dropout, whose mask is fixed by its
/// seed (each evaluation draws the same seed from a freshly seeded generator), so it is linear in x.
/// </summary>
public sealed class RandomGradCases : IGradCheckCases
{
    private static Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator((ulong)shape.Sum() + 31), DType.Float64);

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("dropout", "p 0.4 [5,6]", x => x[0].Dropout(0.4, true, new Generator(5)) * x[0], [R(5, 6)]);
        yield return new("dropout", "p 0.7 strided [4,3]", x => x[0].T.Dropout(0.7, true, new Generator(8)).Exp(), [R(3, 4)]);
    }
}
