using Avalon.Primitives;
using Avalon.Primitives.Linalg;
using Avalon.Tests.Primitives.Elementwise;
using static Avalon.Tests.Primitives.Elementwise.OutputBufferCheck;

namespace Avalon.Tests.Primitives.Linalg;

/// <summary>
/// matmul's kernel run through <see cref="Primitive.Compute"/> into output buffers at a non-zero offset
/// of garbage-filled storages matches <see cref="Primitive.Invoke"/> bit for bit, on every GEMM path: the
/// folded batch, broadcast batches, transposed operands, operands copied to a dense layout, and an empty
/// inner dimension (whose result is zeros the kernel must write itself).
/// </summary>
public class MatMulOutputBufferTests
{
    public static IEnumerable<OutputBufferCase> Cases()
    {
        var p = MatMulPrimitives.MatMul;
        var none = Attributes.Empty;
        foreach (var dt in new[] { DType.Float32, DType.Float64 })
        {
            Tensor X(int seed, params int[] shape) => Uniform(seed, dt, shape);
            yield return new($"{dt} 2-D", p, none, [X(1, 13, 17), X(2, 17, 19)]);
            yield return new($"{dt} folded batch", p, none, [X(3, 3, 4, 5), X(4, 5, 7)]);
            yield return new($"{dt} broadcast batch", p, none, [X(5, 2, 1, 6, 8), X(6, 3, 8, 9)]);
            yield return new($"{dt} transposed operands", p, none, [X(7, 2, 11, 6).MT, X(8, 9, 11).MT]);
            yield return new($"{dt} operands at an offset", p, none, [AtOffset(X(9, 2, 6, 11)), AtOffset(X(10, 2, 11, 5))]);
            yield return new($"{dt} strided operand copied dense", p, none, [X(11, 10, 6, 2).Permute(2, 0, 1), X(12, 2, 6, 4)]);
            yield return new($"{dt} empty inner dim", p, none, [X(13, 4, 0), X(14, 0, 3)]);
            yield return new($"{dt} large", p, none, [X(15, 150, 70), X(16, 70, 130)]);
        }
    }

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
    public void MatMulHasACase() => AssertCovers("Avalon.Primitives.Linalg", Cases());
}
