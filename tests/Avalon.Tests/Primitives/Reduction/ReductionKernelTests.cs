using static Avalon.Tests.Primitives.Reduction.ReductionReference;

namespace Avalon.Tests.Primitives.Reduction;

/// <summary>Every reduction against a naive float64 reference, over shapes, dim sets, keepdim, layouts and dtypes.</summary>
public class ReductionKernelTests
{
    private enum Values { Normal, NearOne, SmallInts, Sparse }

    private sealed record Op(
        string Name, Func<Tensor, int[]?, bool, Tensor> Apply, Func<List<double>, double> Reference,
        Values Values = Values.Normal, bool NeedsNonEmpty = false, bool SingleDim = false, bool AllowsNullDims = true);

    private static readonly Op[] s_ops =
    [
        new("sum", (x, d, k) => x.Sum(d, k), g => g.Sum()),
        new("mean", (x, d, k) => x.Mean(d, k), g => g.Sum() / g.Count),
        new("prod", (x, d, k) => d is null ? x.Prod() : x.Prod(d[0], k), g => g.Aggregate(1.0, (a, b) => a * b), Values.NearOne, SingleDim: true),
        new("amax", (x, d, k) => x.Amax(d, k), Max, NeedsNonEmpty: true),
        new("amin", (x, d, k) => x.Amin(d, k), Min, NeedsNonEmpty: true),
        new("max.values", (x, d, k) => d is null ? x.Max() : x.Max(d[0], k).Values, Max, NeedsNonEmpty: true, SingleDim: true),
        new("max.indices", (x, d, k) => x.Max(d![0], k).Indices, ArgMax, NeedsNonEmpty: true, SingleDim: true, AllowsNullDims: false),
        new("min.values", (x, d, k) => d is null ? x.Min() : x.Min(d[0], k).Values, Min, NeedsNonEmpty: true, SingleDim: true),
        new("min.indices", (x, d, k) => x.Min(d![0], k).Indices, ArgMin, NeedsNonEmpty: true, SingleDim: true, AllowsNullDims: false),
        new("argmax", (x, d, k) => x.ArgMax(d?[0], k), ArgMax, Values.SmallInts, NeedsNonEmpty: true, SingleDim: true),
        new("argmin", (x, d, k) => x.ArgMin(d?[0], k), ArgMin, Values.SmallInts, NeedsNonEmpty: true, SingleDim: true),
        new("var", (x, d, k) => x.Var(d, true, k), g => Var(g, 1)),
        new("var.population", (x, d, k) => x.Var(d, correction: 0, k), g => Var(g, 0)),
        new("std", (x, d, k) => x.Std(d, true, k), g => Math.Sqrt(Var(g, 1))),
        new("std.population", (x, d, k) => x.Std(d, correction: 0, k), g => Math.Sqrt(Var(g, 0))),
        new("logsumexp", (x, d, k) => x.LogSumExp(d ?? Enumerable.Range(0, Math.Max(1, x.Rank)).ToArray(), k), LogSumExp),
        new("all", (x, d, k) => x.All(d, k), g => g.All(v => v != 0) ? 1 : 0, Values.Sparse),
        new("any", (x, d, k) => x.Any(d, k), g => g.Any(v => v != 0) ? 1 : 0, Values.Sparse),
        new("count_nonzero", (x, d, k) => x.CountNonzero(d), g => g.Count(v => v != 0), Values.Sparse),
    ];

    private static readonly (int[] Shape, int[]?[] Dims)[] s_configs =
    [
        ([], [null, [0], [-1]]),
        ([7], [null, [0], [-1]]),
        ([1], [null, [0]]),
        ([3, 5], [[0], [1], [0, 1], [-2]]),
        ([2, 3, 4], [null, [0], [1], [2], [0, 2], [1, 2], [0, 1], [-1, 0]]),
        ([4, 1, 6], [[1], [0, 2], [2], [0]]),
        ([5, 9, 3], [[1], [0]]),
        ([2, 0, 3], [[0], [1], [2], null]),
        ([33, 17], [[0], [1], null]),
        ([64, 300], [[0], [1]]),
        ([16, 40, 70], [[1], [0], [2]]),
    ];

    private static readonly Dictionary<string, DType[]> s_dtypes = new()
    {
        ["sum"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64],
        ["prod"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64],
        ["amax"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64],
        ["amin"] = [DType.Float32, DType.Float64, DType.Int64],
        ["max.values"] = [DType.Float32, DType.Float64, DType.Int64],
        ["max.indices"] = [DType.Float32, DType.Int32],
        ["min.values"] = [DType.Float32, DType.Float64],
        ["min.indices"] = [DType.Float64, DType.Int64],
        ["argmax"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64],
        ["argmin"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64],
        ["all"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool],
        ["any"] = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool],
        ["count_nonzero"] = [DType.Float32, DType.Int64, DType.Bool],
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (var op in s_ops)
            foreach (var dtype in s_dtypes.TryGetValue(op.Name, out var list) ? list : [DType.Float32, DType.Float64])
                yield return [op.Name, dtype];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64Reference(string name, DType dtype)
    {
        var op = s_ops.Single(o => o.Name == name);
        var rng = new Random(name.Length * 31 + (int)dtype);
        int checkedCount = 0;
        foreach (var (shape, dimSets) in s_configs)
        {
            int numel = shape.Aggregate(1, (a, b) => a * b);
            foreach (var dims in dimSets)
            {
                if (dims is null && !op.AllowsNullDims) continue;
                if (op.SingleDim && dims is { Length: > 1 }) continue;
                if (op.NeedsNonEmpty && GroupIsEmpty(shape, dims)) continue;
                var values = Generate(rng, numel, op.Values, dtype);
                foreach (var layout in Enum.GetValues<Layout>())
                    foreach (bool keep in new[] { false, true })
                    {
                        var x = Make(values, shape, dtype, layout);
                        // prod(), max() and min() without a dim take no keepdim, as in PyTorch.
                        bool keepExpected = keep && !(dims is null && op.SingleDim && name is not ("argmax" or "argmin"));
                        var (expected, expectedShape) = Reduce(x.ToDoubleArray(), shape, dims, keepExpected, op.Reference);
                        string what = $"{name} {dtype} shape [{string.Join(",", shape)}] dims {(dims is null ? "all" : "[" + string.Join(",", dims) + "]")} keepdim={keep} {layout}";
                        var y = op.Apply(x, dims, keep);
                        if (dims is null && name is "argmax" or "argmin" && keep) expectedShape = shape.Select(_ => 1).ToArray();
                        if (name == "count_nonzero") expectedShape = Reduce(values, shape, dims, false, g => 0).Shape;
                        Assert.True(expectedShape.SequenceEqual(y.Shape.ToArray()), $"{what}: shape {y.Shape}, expected [{string.Join(",", expectedShape)}]");
                        Assert.Equal(ExpectedDType(name, dtype), y.DType);
                        double tol = dtype == DType.Float32 ? 2e-5 * Math.Sqrt(Math.Max(numel, 1)) : 1e-11;
                        AssertClose(expected, y, tol, what);
                        checkedCount++;
                    }
            }
        }
        Assert.True(checkedCount > 50, $"only {checkedCount} configurations checked");
    }

    private static DType ExpectedDType(string name, DType input) => name switch
    {
        "argmax" or "argmin" or "max.indices" or "min.indices" or "count_nonzero" => DType.Int64,
        "all" or "any" => DType.Bool,
        _ => input,
    };

    private static bool GroupIsEmpty(int[] shape, int[]? dims)
    {
        if (dims is null || dims.Length == 0) return shape.Contains(0);
        return dims.Any(d => shape.Length > 0 && shape[d < 0 ? d + shape.Length : d] == 0);
    }

    private static double[] Generate(Random rng, int n, Values kind, DType dtype)
    {
        var v = new double[n];
        bool integer = dtype is DType.Int32 or DType.Int64 or DType.Bool;
        for (int i = 0; i < n; i++)
        {
            v[i] = (kind, integer) switch
            {
                (Values.Sparse, _) => rng.Next(4) == 0 ? rng.Next(1, 4) * (rng.Next(2) * 2 - 1) : 0,
                (Values.SmallInts, _) => rng.Next(-3, 4),
                (Values.NearOne, false) => 1 + 0.02 * Normal(rng),
                (Values.NearOne, true) => rng.Next(-1, 2),
                (_, true) => rng.Next(-20, 21),
                _ => Normal(rng),
            };
        }
        return v;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
