namespace Avalon.Tests.Errors;

/// <summary>Bad inputs to reductions and softmax give exceptions naming the operation, the shapes/dtypes and what was expected.</summary>
public class ReductionErrorTests
{
    private static readonly Tensor s_matrix = Tensor.Zeros(2, 3);
    private static readonly Tensor s_empty = Tensor.Zeros([2, 0], DType.Float32);
    private static readonly Tensor s_ints = Tensor.Zeros([2, 3], DType.Int64);
    private static readonly Tensor s_bools = Tensor.Zeros([2, 3], DType.Bool);

    private static readonly Dictionary<string, (Action Act, string[] Fragments)> s_cases = new()
    {
        ["max of empty"] = (() => s_empty.Max(), ["amax", "[2, 0]", "no elements"]),
        ["max over empty dim"] = (() => s_empty.Max(1), ["max_dim", "dimension 1", "size 0", "[2, 0]"]),
        ["amin over empty dim"] = (() => s_empty.Amin(-1), ["amin", "size 0"]),
        ["argmax of empty"] = (() => s_empty.ArgMax(), ["argmax", "[2, 0]"]),
        ["max dim out of range"] = (() => s_matrix.Max(2), ["max", "out of range", "[-2, 1]", "2"]),
        ["amax repeated dim"] = (() => s_matrix.Amax([0, -2]), ["amax", "appears multiple times"]),
        ["prod dim out of range"] = (() => s_matrix.Prod(-3), ["prod", "out of range"]),
        ["softmax of ints"] = (() => s_ints.Softmax(0), ["softmax", "floating-point", "int64[2, 3]"]),
        ["log_softmax dim out of range"] = (() => s_matrix.LogSoftmax(2), ["log_softmax", "out of range"]),
        ["var of ints"] = (() => s_ints.Var(), ["var", "floating-point", "int64"]),
        ["std of ints"] = (() => s_ints.Std(0), ["std", "floating-point", "int64"]),
        ["negative correction"] = (() => s_matrix.Var(null, correction: -1), ["var", "correction", "-1"]),
        ["logsumexp of ints"] = (() => s_ints.LogSumExp(0), ["logsumexp", "floating-point", "int64"]),
        ["logsumexp without dims"] = (() => s_matrix.LogSumExp([]), ["logsumexp", "at least one dim", "[2, 3]"]),
        ["amax of bools"] = (() => s_bools.Amax(), ["amax", "bool"]),
        ["argmin of bools"] = (() => s_bools.ArgMin(0), ["argmin", "bool"]),
        ["prod of bools"] = (() => s_bools.Prod(), ["prod", "bool"]),
        ["all dim out of range"] = (() => s_matrix.All(5), ["all", "out of range"]),
    };

    public static IEnumerable<object[]> Names() => s_cases.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Names))]
    public void MessageNamesTheProblem(string name)
    {
        var (act, fragments) = s_cases[name];
        var ex = Assert.ThrowsAny<ArgumentException>(act);
        foreach (var f in fragments) Assert.Contains(f, ex.Message);
    }
}
