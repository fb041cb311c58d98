using Avalon.Autodiff;
using static Avalon.Tests.Compiler.FusionTestHelpers;

namespace Avalon.Tests.Compiler.Fusion;

/// <summary>
/// Generated kernels against the unfused tape: the same tape is run before and after
/// <c>elementwise_fusion</c> on random inputs (zeros, -0, NaN and ±∞ mixed in) for output sizes that
/// exercise the vector body and every tail (1, 7, 15, 17, 1000003 elements), with dense, scalar, row,
/// column, conv-bias (n-d) and strided inputs. Chains of exact IEEE operations must agree bit for bit.
/// Transcendental functions run the same code as the unfused kernels (TensorPrimitives over one vector's
/// lanes, the operator structs, the same vector/scalar split) and agreed bit for bit when these tests
/// were written; they are held to 2 ulps because TensorPrimitives' own float64 exp was seen to round
/// differently by 1 ulp within one process (it depends on how its code was compiled), so bitwise equality
/// with it cannot be promised there.
/// </summary>
public class FusedKernelNumericsTests
{
    public static TheoryData<int> Sizes => new() { 1, 7, 15, 17, 33, 1000003 };

        [Theory]
    [MemberData(nameof(Sizes))]
    public void ExactChainOnDenseInputsIsBitwiseTheSame(int n)
    {
        var x = RandomTensor(1, [n], specials: true);
        var y = RandomTensor(2, [n], specials: true);
        var tape = Grad.Trace(a =>
        {
            var (p, q) = (a[0], a[1]);
            var h = (p * q + p).Relu() - p.Minimum(q) / (q.Abs() + 1);
            var w = Tensor.Where(p > q, h, -q.Square());
            return w.Clamp(-3, 3).Maximum(p.Neg()) * 0.5 + q.Sqrt().Reciprocal();
        }, x, y);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        Assert.DoesNotContain(fused.Ops.OfType<CallOp>(), c => c.Primitive.Name is "mul" or "add" or "relu" or "where");
        AssertSameBits(tape, fused, [x, y], $"exact chain, {n} elements");
    }

    /// <summary>
    /// log (float32 and float64) and float32 exp run the runtime's vector functions inline, which
    /// TensorPrimitives (the unfused kernels) runs for full vectors: bit for bit over random bit patterns
    /// (subnormals, negatives, NaN and ±∞ included) and every tail size.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sizes))]
    public void LogAndFloat32ExpAreBitwiseTheUnfusedKernels(int n)
    {
        var rng = new Random(n);
        var f = new float[n];
        var d = new double[n];
        for (int i = 0; i < n; i++)
        {
            f[i] = BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue));
            d[i] = i % 2 == 0 ? BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)) : rng.NextDouble() * 100;
        }
        var x = Tensor.From(f);
        var logs = Grad.Trace(a => a[0].Log().Neg(), x);
        Assert.Equal(1, FusedCalls(Fuse(logs)));
        AssertSameBits(logs, Fuse(logs), [x], $"float32 log, {n} elements");
        var exps = Grad.Trace(a => (a[0] * 0.01).Exp().Neg(), x);
        AssertSameBits(exps, Fuse(exps), [x], $"float32 exp, {n} elements");
        var xd = Tensor.From(d);
        var logsD = Grad.Trace(a => a[0].Log().Neg(), xd);
        AssertSameBits(logsD, Fuse(logsD), [xd], $"float64 log, {n} elements");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TranscendentalChainOnDenseInputsAgrees(int n)
    {
        var x = RandomTensor(3, [n], range: 6);
        var y = RandomTensor(4, [n], range: 2);
        var tape = Grad.Trace(a =>
        {
            var (p, q) = (a[0], a[1]);
            var s = p.Exp() * q.Tanh() + p.Sigmoid() - q.Sin() * p.Cos();
            var t = (p.Abs() + 1).Log() + q.Log1p().Abs() + (q * 0.1).Expm1() + p.Erf() + (p.Abs() + 0.5).Rsqrt();
            return s * t + (q.Abs() + 0.25).Pow(2.5) + p.Pow(2) + (q.Abs() + 1).Pow(-1) + (p.Abs() + 1).Pow(0.5);
        }, x, y);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        AssertWithinUlps(tape, fused, [x, y], $"transcendental chain, {n} elements", ulps: 2);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 17)]
    [InlineData(9, 33)]
    [InlineData(1000, 1003)]
    public void RowColumnAndScalarBroadcastsAgree(int rows, int cols)
    {
        var x = RandomTensor(5, [rows, cols], specials: true);
        var bias = RandomTensor(6, [cols]);
        var scale = RandomTensor(7, [rows, 1]);
        var shift = RandomTensor(8, []);
        var tape = Grad.Trace(a =>
        {
            var h = (a[0] * a[2] + a[1]).Relu() - a[3];
            return Tensor.Where(h > a[1], h.Tanh(), h.Exp() * a[3]) + a[2].Square();
        }, x, bias, scale, shift);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        AssertWithinUlps(tape, fused, [x, bias, scale, shift], $"[{rows}, {cols}] with row, column and scalar operands", ulps: 2);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 17)]
    [InlineData(9, 33)]
    [InlineData(1000, 1003)]
    public void ExactChainsWithRowColumnScalarAndConvBiasOperandsAreBitwiseTheSame(int rows, int cols)
    {
        var x = RandomTensor(19, [rows, cols], specials: true);
        var bias = RandomTensor(20, [cols], specials: true);
        var scale = RandomTensor(21, [rows, 1]);
        var shift = RandomTensor(22, []);
        var tape = Grad.Trace(a => Tensor.Where(a[0] > a[3], (a[0] * a[2] + a[1]).Relu(), a[1].Maximum(a[0]) / a[2]) - a[3].Square(), x, bias, scale, shift);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        AssertSameBits(tape, fused, [x, bias, scale, shift], $"[{rows}, {cols}] exact ops with broadcasts");

        var image = RandomTensor(23, [2, rows % 5 + 1, 3, cols], specials: true);
        var channelBias = RandomTensor(24, [rows % 5 + 1, 1, 1]);
        var conv = Grad.Trace(a => (a[0] + a[1]).Relu() * a[1] - a[0].Abs(), image, channelBias);
        var fusedConv = Fuse(conv);
        Assert.Equal(1, FusedCalls(fusedConv));
        AssertSameBits(conv, fusedConv, [image, channelBias], "conv bias, exact ops");
    }

    [Theory]
    [InlineData(2, 3, 5, 7)]
    [InlineData(4, 16, 28, 28)]
    [InlineData(1, 1, 1, 1)]
    public void ConvBiasAndActivationOverFourDimensionsAgrees(int n, int c, int h, int w)
    {
        var x = RandomTensor(9, [n, c, h, w], specials: true);
        var bias = RandomTensor(10, [c, 1, 1]);
        var gain = RandomTensor(11, [1, c, 1, w]);
        var tape = Grad.Trace(a => ((a[0] + a[1]) * a[2]).Relu().Sigmoid() * a[0], x, bias, gain);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        AssertWithinUlps(tape, fused, [x, bias, gain], $"[{n}, {c}, {h}, {w}] with a conv bias", ulps: 2);
    }

    [Fact]
    public void StridedInputsUseTheGeneralLoopAndAgree()
    {
        var x = RandomTensor(12, [37, 19]);
        var y = RandomTensor(13, [19, 37]);
        var tape = Grad.Trace(a => (a[0] * a[1].Transpose(0, 1) + 1).Exp() - a[1].Transpose(0, 1).Log1p().Abs(), x, y);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        AssertWithinUlps(tape, fused, [x, y], "transposed operand", ulps: 2);
        // A slice as a replayed input: its strides differ from those of the dense tensor recorded.
        var wide = RandomTensor(14, [37, 38]);
        AssertWithinUlps(tape, fused, [wide[.., ..19], y], "sliced input on replay", ulps: 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(100003)]
    public void Float64ChainsAgree(int n)
    {
        var x = RandomTensor(15, [n], specials: true, dtype: DType.Float64);
        var y = RandomTensor(16, [n], dtype: DType.Float64);
        var tape = Grad.Trace(a => Tensor.Where(a[0] < a[1], (a[0] * a[1]).Exp(), a[1].Tanh() - a[0]).Relu() / (a[1].Abs() + 1), x, y);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        // exp and tanh agree within 1 ulp (see the class remarks); the subtraction after them can widen that.
        AssertWithinUlps(tape, fused, [x, y], $"float64, {n} elements", ulps: 64);
    }

    [Fact]
    public void BoolInputsAndLogicalOperationsAreBitwiseTheSame()
    {
        int n = 1001;
        var x = RandomTensor(17, [n]);
        var y = RandomTensor(18, [n]);
        var mask = y > 0.5;   // a bool input of the tape
        var tape = Grad.Trace(a => Tensor.Where((a[0] > 0) & a[2] | (a[1] < -1).LogicalNot() ^ a[0].Eq(a[1]), a[0] * a[1], a[1] - 1), x, y, mask);
        var fused = Fuse(tape);
        Assert.Equal(1, FusedCalls(fused));
        AssertSameBits(tape, fused, [x, y, mask], "masks");
    }
}
