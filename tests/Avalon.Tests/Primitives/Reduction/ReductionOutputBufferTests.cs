using Avalon.Primitives;
using Avalon.Primitives.Reduction;
using Avalon.Tests.Primitives.Elementwise;
using static Avalon.Tests.Primitives.Elementwise.OutputBufferCheck;

namespace Avalon.Tests.Primitives.Reduction;

/// <summary>
/// Every reduction primitive's kernel run through <see cref="Primitive.Compute"/> into output buffers at
/// a non-zero offset of garbage-filled storages matches <see cref="Primitive.Invoke"/> bit for bit: rows
/// and columns, several dims, keepdim, empty groups, strided inputs and inputs at an offset (see
/// <see cref="OutputBufferCheck"/>). Kernels that accumulate must clear their output first.
/// </summary>
public class ReductionOutputBufferTests
{
    private static readonly int[][] s_dims = [[1], [0], [0, 1]];

    public static IEnumerable<OutputBufferCase> Cases()
    {
        (Primitive P, DType[] DTypes, bool Empty)[] reductions =
        [
            (SumPrimitives.Sum, [DType.Float32, DType.Float64, DType.Int32, DType.Int64], true),
            (ProdPrimitives.Prod, [DType.Float32, DType.Float64, DType.Int64], true),
            (ExtremumPrimitives.Amax, [DType.Float32, DType.Float64, DType.Int32, DType.Int64], false),
            (ExtremumPrimitives.Amin, [DType.Float32, DType.Int64], false),
            (ExtremumPrimitives.MaxDim, [DType.Float32, DType.Int64], false),
            (ExtremumPrimitives.MinDim, [DType.Float64, DType.Int32], false),
            (ExtremumPrimitives.ArgMax, [DType.Float32, DType.Float64, DType.Int32, DType.Int64], false),
            (ExtremumPrimitives.ArgMin, [DType.Float32, DType.Int64], false),
            (VariancePrimitives.Var, [DType.Float32, DType.Float64], true),
            (VariancePrimitives.Std, [DType.Float32, DType.Float64], true),
            (LogSumExpPrimitives.LogSumExp, [DType.Float32, DType.Float64], true),
            (LogicalReductionPrimitives.All, [DType.Float32, DType.Int64, DType.Bool], true),
            (LogicalReductionPrimitives.Any, [DType.Float64, DType.Int32, DType.Bool], true),
            (LogicalReductionPrimitives.CountNonzero, [DType.Float32, DType.Int64, DType.Bool], true),
        ];
        foreach (var (p, dtypes, empty) in reductions)
            foreach (var dt in dtypes)
            {
                Tensor X(int seed, int[] shape) =>
                    dt == DType.Bool ? Bools(seed, shape)
                    : p == ProdPrimitives.Prod ? (dt.IsFloatingPoint() ? Uniform(seed, dt, shape, 0.9, 1.1) : Ints(seed, dt, shape, -1, 1))
                    : dt.IsFloatingPoint() ? Uniform(seed, dt, shape) : Ints(seed, dt, shape, -3, 3);
                foreach (var dims in s_dims)
                    foreach (bool keep in new[] { false, true })
                    {
                        var attributes = Attrs(p, dims, keep);
                        yield return new($"{dt} [6, 45] dims [{string.Join(",", dims)}] keepdim {keep}", p, attributes, [X(1, [6, 45])]);
                        yield return new($"{dt} transposed dims [{string.Join(",", dims)}] keepdim {keep}", p, attributes, [X(2, [45, 6]).MT]);
                    }
                yield return new($"{dt} [3, 5, 70] middle dim, at an offset", p, Attrs(p, [1], false), [AtOffset(X(3, [3, 5, 70]))]);
                yield return new($"{dt} large columns", p, Attrs(p, [0], false), [X(4, [300, 257])]);
                if (empty) yield return new($"{dt} empty groups", p, Attrs(p, [1], false), [X(5, [4, 0])]);
            }
        foreach (int correction in new[] { 0, 2 })
            yield return new($"correction {correction}", VariancePrimitives.Var,
                Attributes.Of(("dims", new[] { 1 }), ("keepdim", false), ("correction", correction)), [Uniform(6, DType.Float32, [5, 3])]);

        foreach (var (inputs, mask) in new[] { (DType.Float32, DType.Float32), (DType.Float64, DType.Float64), (DType.Int64, DType.Float32), (DType.Int32, DType.Float64) })
        {
            var attributes = Attributes.Of(("dtype", mask));
            yield return new($"{inputs} to {mask} dense", EqualMaskPrimitives.EqualMask, attributes,
                [Ints(7, inputs, [4, 33], -1, 1), Ints(8, inputs, [4, 33], -1, 1)]);
            yield return new($"{inputs} to {mask} broadcast, strided, at an offset", EqualMaskPrimitives.EqualMask, attributes,
                [Ints(9, inputs, [33, 4], -1, 1).MT, AtOffset(Ints(10, inputs, [4, 1], -1, 1))]);
        }

        foreach (var p in new[] { SoftmaxPrimitives.Softmax, SoftmaxPrimitives.LogSoftmax })
            foreach (var dt in new[] { DType.Float32, DType.Float64 })
            {
                yield return new($"{dt} last dim", p, Attributes.Of(("dim", 1)), [Uniform(11, dt, [6, 33], -5, 5)]);
                yield return new($"{dt} first dim", p, Attributes.Of(("dim", 0)), [Uniform(12, dt, [6, 33], -5, 5)]);
                yield return new($"{dt} middle dim, transposed", p, Attributes.Of(("dim", 1)), [Uniform(13, dt, [3, 40, 5], -5, 5).MT]);
                yield return new($"{dt} at an offset", p, Attributes.Of(("dim", 0)), [AtOffset(Uniform(14, dt, [70], -5, 5))]);
            }
    }

    private static Attributes Attrs(Primitive p, int[] dims, bool keep) =>
        p == VariancePrimitives.Var || p == VariancePrimitives.Std
            ? Attributes.Of(("dims", dims), ("keepdim", keep), ("correction", 1))
            : Attributes.Of(("dims", dims), ("keepdim", keep));

    // Built once: the inputs are only read.
    private static readonly Lazy<Dictionary<string, OutputBufferCase>> s_byName = new(() => Cases().ToDictionary(c => c.ToString()));

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in s_byName.Value.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ComputeIntoOffsetBufferMatchesInvoke(string name) => Run(s_byName.Value[name]);

    [Fact]
    public void EveryReductionPrimitiveHasACase() => AssertCovers("Avalon.Primitives.Reduction", Cases());
}
