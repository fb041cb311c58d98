using Avalon.Compiler.CodeGen;
using Avalon.Compiler.Fusion;

namespace Avalon.Tests.Compiler.CodeGen;

/// <summary>
/// A golden listing of one small generated kernel, so that changes to the code generator show in
/// review: relu(x0 + x1) · x2 with x0 dense, x1 a row vector (bias) and x2 a scalar, on Vector256.
/// </summary>
public class FusedKernelListingTests
{
    private static FusedExpression BiasReluScale() => new(DType.Float32, [false, false, false],
    [
        FusedNode.Input(0),
        FusedNode.Input(1),
        new FusedNode(FusedOp.Add, [0, 1]),
        new FusedNode(FusedOp.Relu, [2]),
        FusedNode.Input(2),
        new FusedNode(FusedOp.Mul, [3, 4]),
    ]);

    private const string Golden = """
        // fused kernel float32: mul(relu(add(x0, x1)), x2)
        // layout rows (x0 dense, x1 dense, x2 scalar); Vector256, 8 lanes
        void Kernel(FusedFrame f, int start, int end)
        {
            x0 = (float[])f.Data[0];
            o0 = f.Offsets[0];
            rs0 = f.RowStrides[0];
            x1 = (float[])f.Data[1];
            o1 = f.Offsets[1];
            rs1 = f.RowStrides[1];
            x2 = (float[])f.Data[2];
            o2 = f.Offsets[2];
            y = (float[])f.Data[3];
            oy = f.Offsets[3];
            inner = f.Inner;
            s4 = S.Load(x2, o2);
            v4 = V256.Splat(s4);
            row = start / inner;
            col = start - row * inner;
            pos = start;
            while (pos < end)   // one row (or part of one) per iteration
            {
                colEnd = Math.Min(inner, col + (end - pos));
                colStart = col;
                b0 = o0 + row * rs0;
                b1 = o1 + row * rs1;
                by = oy + (pos - col);
                for (; col <= colEnd - 8; col += 8)
                {
                    v0 = V256.Load(x0, b0 + col);
                    v1 = V256.Load(x1, b1 + col);
                    v2 = V256.Add(v0, v1);
                    v3 = V256.Relu(v2);
                    v5 = V256.Mul(v3, v4);
                    V256.Store(y, by + col, v5);
                }
                for (; col < colEnd; col++)
                {
                    s0 = S.Load(x0, b0 + col);
                    s1 = S.Load(x1, b1 + col);
                    s2 = S.Add(s0, s1);
                    s3 = S.Relu(s2);
                    s5 = S.Mul(s3, s4);
                    S.Store(y, by + col, s5);
                }
                pos += colEnd - colStart; row++; col = 0;
            }
        }

        """;

    [Fact]
    public void TheListingOfABiasReluScaleKernelMatchesTheGolden()
    {
        var x = Tensor.Zeros(3, 10);
        var bias = Tensor.Zeros(10);
        var scale = Tensor.Scalar(2, DType.Float32, Device.Cpu);
        var layout = FusedLayout.Of([x, bias, scale], [3, 10], DType.Float32);
        Assert.Equal("rows:dds", layout.Key);
        var kernel = FusedKernelCompiler.Compile(BiasReluScale(), layout, VectorWidth.Vector256);
        Assert.Equal(Golden.ReplaceLineEndings("\n"), kernel.Dump().ReplaceLineEndings("\n"));
        Assert.Equal(kernel.Dump(), kernel.ToString());
    }

    [Fact]
    public void TheGoldenKernelComputesItsExpressionOnEveryWidth()
    {
        var x = Tensor.From(Enumerable.Range(0, 3 * 21).Select(i => (float)(i % 7 - 3)).ToArray()).Reshape(3, 21);
        var bias = Tensor.From(Enumerable.Range(0, 21).Select(i => (float)(i % 3) - 1).ToArray());
        var scale = Tensor.Scalar(1.5, DType.Float32, Device.Cpu);
        var layout = FusedLayout.Of([x, bias, scale], [3, 21], DType.Float32);
        foreach (var width in new[] { VectorWidth.Scalar, VectorWidth.Vector256, VectorWidth.Vector512 })
        {
            if (width == VectorWidth.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) continue;
            var kernel = FusedKernelCompiler.Compile(BiasReluScale(), layout, width);
            var output = Tensor.Zeros(3, 21);
            FusedCall.Create(kernel, layout, [x, bias, scale], output).Run();
            var xs = x.ToArray<float>();
            var bs = bias.ToArray<float>();
            var got = output.ToArray<float>();
            for (int i = 0; i < got.Length; i++)
                Assert.Equal(Math.Max(xs[i] + bs[i % 21], 0f) * 1.5f, got[i]);
        }
    }

    [Fact]
    public void LayoutsCoalesceDenseOperandsAndClassifyBroadcasts()
    {
        var x = Tensor.Zeros(2, 3, 4, 5);
        Assert.Equal("rows:dd", FusedLayout.Of([x, x], [2, 3, 4, 5], DType.Float32).Key);   // one flat run
        var l = FusedLayout.Of([x, Tensor.Zeros(3, 1, 1)], [2, 3, 4, 5], DType.Float32);
        Assert.Equal("nd:dr", l.Key);   // conv bias: rows of 4·5, one bias value per row
        Assert.Equal(20, l.Inner);
        Assert.Equal(6, l.Rows);
        Assert.Equal("rows:dr", FusedLayout.Of([Tensor.Zeros(6, 5), Tensor.Zeros(6, 1)], [6, 5], DType.Float32).Key);
        Assert.Equal("rows:gd", FusedLayout.Of([Tensor.Zeros(5, 6).Transpose(0, 1), Tensor.Zeros(6, 5)], [6, 5], DType.Float32).Key);
        Assert.Equal("rows:dd:tiny", FusedLayout.Of([Tensor.Zeros(3), Tensor.Zeros(3)], [3], DType.Float32).Key);
    }
}
