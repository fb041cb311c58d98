using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Passes;
using Avalon.Nn;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

/// <summary>
/// The <c>matmul_transpose</c> pass: dense copies of transposed products become products of the
/// transposed operands (no <c>contiguous</c> call left), and the compiled values and gradients equal the
/// eager ones for products over transposed views of every kind.
/// </summary>
public sealed class TransposedProductFoldingTests
{
    private static Tensor Randn(int seed, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)seed));

    /// <summary>Each case: a function of (a, b) returning a dense transposed product, and the operand shapes.</summary>
    public static TheoryData<string> Cases() =>
    [
        "plain", "left_transposed", "right_transposed", "both_transposed", "batched", "batched_broadcast",
        "batch_dims_permuted", "strided_rows", "clone",
    ];

    private static (Func<Tensor, Tensor, Tensor> F, int[] A, int[] B) Case(string name) => name switch
    {
        "plain" => ((a, b) => a.MatMul(b).T.Contiguous(), [7, 5], [5, 9]),
        "left_transposed" => ((a, b) => a.T.MatMul(b).T.Contiguous(), [5, 7], [5, 9]),
        "right_transposed" => ((a, b) => a.MatMul(b.T).T.Contiguous(), [7, 5], [9, 5]),
        "both_transposed" => ((a, b) => a.T.MatMul(b.T).T.Contiguous(), [5, 7], [9, 5]),
        "batched" => ((a, b) => a.MatMul(b).MT.Contiguous(), [3, 7, 5], [3, 5, 9]),
        "batched_broadcast" => ((a, b) => a.MT.MatMul(b).MT.Contiguous(), [2, 3, 5, 7], [5, 9]),
        "batch_dims_permuted" => ((a, b) => a.Permute(1, 0, 3, 2).MatMul(b).MT.Contiguous(), [3, 2, 5, 7], [2, 1, 5, 9]),
        "strided_rows" => ((a, b) => a[.., 1..6].MatMul(b[..5, ..]).T.Contiguous(), [7, 8], [6, 9]),
        "clone" => ((a, b) => a.MatMul(b).T.Clone(), [7, 5], [5, 9]),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheCopyGoesAndTheCompiledValuesAndGradientsEqualEager(string name)
    {
        var (f, sa, sb) = Case(name);
        var weight = Randn(99, [.. f(Randn(1, sa), Randn(2, sb)).Shape.Dims]);
        Tensor[] ValueAndGradients(Tensor[] xs)
        {
            var r = Grad.Of(v => (f(v[0], v[1]) * weight).Sum(), xs);
            return [f(xs[0], xs[1]), r.Value, .. r.Gradients];
        }
        var compiled = Avalon.Compiler.Compiler.Compile(ValueAndGradients, Checked());
        compiled.Invoke(Randn(1, sa), Randn(2, sb));
        var tape = compiled.LastCompiled!.Tape;
        Assert.Equal(0, Calls(tape, "contiguous"));
        for (int draw = 3; draw <= 4; draw++)
        {
            Tensor a = Randn(draw, sa), b = Randn(10 + draw, sb);
            var expected = ValueAndGradients([a, b]);
            var actual = compiled.Invoke(a, b);
            AssertAllClose(expected, actual, $"{name}, draw {draw}", rtol: 1e-6, atol: 1e-6);
            Assert.True(actual[0].IsContiguous, $"{name}: the product is dense");
        }
    }

    [Fact]
    public void ALinearLayersWeightGradientIsComputedDenselyWithoutACopy()
    {
        // As the compiled training step does: the gradients of weight and bias, made dense for the update.
        static Tensor[] Step(Tensor[] v)
        {
            var r = Grad.Of(p => Functional.Relu(Functional.Linear(v[2], p[0], p[1])).Pow(2).Sum(), v[0], v[1]);
            return [r.Value, r.Gradients[0].Contiguous(), r.Gradients[1].Contiguous()];
        }
        Tensor w = Randn(1, 4, 6), bias = Randn(2, 4), x = Randn(3, 10, 6);
        var traced = Grad.Trace(v => Step(v)[1], w, bias, x);
        Assert.Equal(1, Calls(traced, "contiguous"));
        var optimized = AssertOptimizedAgrees(traced, Checked(new PassPipeline(new TransposedProductFolding(), new DeadCodeElimination())));
        Assert.Equal(0, Calls(optimized, "contiguous"));
        var compiled = Avalon.Compiler.Compiler.Compile(Step, Checked());
        compiled.Invoke(w, bias, x);
        Assert.Equal(0, Calls(compiled.LastCompiled!.Tape, "contiguous"));
        Tensor x2 = Randn(4, 10, 6);
        AssertAllClose(Step([w, bias, x2]), compiled.Invoke(w, bias, x2), "loss and gradients", rtol: 1e-6, atol: 1e-6);
    }

    [Fact]
    public void AProductReadElsewhereKeepsItsCopy()
    {
        var tape = Grad.Trace(v =>
        {
            var p = v[0].MatMul(v[1]);
            return p.T.Contiguous().Sum() + p.Sum();
        }, Randn(1, 4, 3), Randn(2, 3, 5));
        var optimized = AssertOptimizedAgrees(tape, Checked(new PassPipeline(new TransposedProductFolding())));
        Assert.Equal(1, Calls(optimized, "contiguous"));
        Assert.Equal(1, Calls(optimized, "matmul"));
    }

    [Fact]
    public void AnOperandWrittenInPlaceBeforeTheCopyKeepsTheCopy()
    {
        var tape = Grad.Trace(v =>
        {
            var c = v[0] * 1;
            var p = c.MatMul(v[1]);
            c.Add_(1);                       // the product read c before this write
            return p.T.Contiguous() + c.Sum();
        }, Randn(1, 4, 3), Randn(2, 3, 5));
        var optimized = AssertOptimizedAgrees(tape, Checked(new PassPipeline(new TransposedProductFolding())));
        Assert.Equal(1, Calls(optimized, "contiguous"));
    }
}
