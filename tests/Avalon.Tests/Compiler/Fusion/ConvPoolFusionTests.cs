using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Execution;
using Avalon.Compiler.Fusion;
using Avalon.Nn;
using static Avalon.Nn.Functional;
using static Avalon.Tests.Compiler.FusionTestHelpers;

namespace Avalon.Tests.Compiler.Fusion;

/// <summary>
/// <c>pool_fusion</c>: a convolution (with its activation) whose only reader is a tiling max pooling becomes
/// one call that pools each slice in cache. The same kernels run, so compiled results must equal those of
/// the pipeline without the pass bit for bit, in inference and in a training step, on every convolution path
/// (direct, along channels, GEMM, channel-split single images, groups) and for float32 and float64.
/// </summary>
public class ConvPoolFusionTests
{
    private static CompiledTape Compile(Tape tape, bool fuse) =>
        Avalon.Compiler.Compiler.Prepare(tape, new CompileOptions
        {
            ValidateAfterEachPass = true,
            DisabledPasses = fuse ? new HashSet<string>() : new HashSet<string> { "pool_fusion" },
        });

    private static int FusedPools(Tape tape) => tape.Ops.OfType<CallOp>().Count(c => c.Primitive is FusedConvPoolPrimitive);

    [Theory]
    // in channels, out channels, kernel, padding, groups, plane, batch, dtype
    [InlineData(1, 16, 3, 1, 1, 28, 4, false)]     // one input channel: the forward along channels
    [InlineData(16, 32, 3, 1, 1, 14, 3, false)]    // the direct kernel
    [InlineData(16, 32, 3, 1, 1, 14, 1, false)]    // a single image: each slice cut into channel blocks across threads
    [InlineData(20, 50, 5, 0, 1, 12, 2, false)]    // LeNet's second layer
    [InlineData(6, 10, 3, 1, 2, 11, 2, false)]     // groups, an odd plane (the last row and column are left out)
    [InlineData(24, 40, 7, 3, 1, 10, 2, false)]    // many taps: vol2col + GEMM
    [InlineData(3, 8, 3, 1, 1, 9, 2, true)]        // float64
    public void InferenceGivesTheUnfusedBits(int cin, int cout, int kernel, int padding, int groups, int plane, int batch, bool float64)
    {
        var dtype = float64 ? DType.Float64 : DType.Float32;
        var conv = new Conv2d(cin, cout, kernel, padding: padding, groups: groups, dtype: dtype, generator: new Generator(11));
        var x = RandomTensor(12, [batch, cin, plane, plane], dtype: dtype);
        var tape = Grad.Trace(a => MaxPool2d(conv.Forward(a[0]).Relu(), 2), x);
        var fused = Compile(tape, fuse: true);
        var unfused = Compile(tape, fuse: false);
        Assert.Equal(1, FusedPools(fused.Tape));
        Assert.Equal(0, FusedPools(unfused.Tape));
        Assert.DoesNotContain(fused.Tape.Ops.OfType<CallOp>(), c => c.Primitive.Name is "conv" or "conv_epilogue");
        for (int run = 0; run < 2; run++)
            AssertSameBits(unfused.Run([x]), fused.Run([x]), $"run {run}");
        // Relu and max pooling are exact, so eager agrees too.
        AssertSameBits([MaxPool2d(conv.Forward(x).Relu(), 2)], fused.Run([x]), "eager");
    }

    [Fact]
    public void AConvolutionWithoutActivationAndOneWithATanhFuse()
    {
        var conv = new Conv2d(4, 6, 3, padding: 1, generator: new Generator(13));
        var x = RandomTensor(14, [3, 4, 8, 8]);
        foreach (var (name, f) in new (string, Func<Tensor, Tensor>)[] { ("plain", t => t), ("tanh", t => t.Tanh()) })
        {
            var tape = Grad.Trace(a => MaxPool2d(f(conv.Forward(a[0])), 2), x);
            var fused = Compile(tape, fuse: true);
            Assert.Equal(1, FusedPools(fused.Tape));
            AssertSameBits(Compile(tape, fuse: false).Run([x]), fused.Run([x]), name);
        }
    }

    [Fact]
    public void TheTrainStepPoolsInCacheAndKeepsItsLossAndGradients()
    {
        // conv → relu → max pool, twice, as the benchmark CNNs: once pool_mask has moved the relu masks onto the
        // pooled values, the full-size activations have no reader but the poolings.
        var model = new Sequential(new Conv2d(2, 6, 3, padding: 1, generator: new Generator(3)), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 8, 3, padding: 1, generator: new Generator(4)), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(32, 3, generator: new Generator(5)));
        var step = Grad.TraceStep(model, b => [CrossEntropy(model.Forward(b[0]), b[1])],
            Tensor.Randn([5, 2, 8, 8], new Generator(1)), Tensor.RandInt(0, 3, [5], new Generator(2)));
        var fused = Compile(step.Tape, fuse: true);
        var unfused = Compile(step.Tape, fuse: false);
        Assert.Equal(2, FusedPools(fused.Tape));
        Assert.Contains(fused.Tape.Ops.OfType<CallOp>(), c => c.Primitive is FusedConvPoolPrimitive && c.OutputCount == 2);
        for (int seed = 1; seed <= 3; seed++)
        {
            Tensor[] inputs = [.. model.Parameters(), Tensor.Randn([5, 2, 8, 8], new Generator((ulong)(10 + seed))), Tensor.RandInt(0, 3, [5], new Generator((ulong)(20 + seed)))];
            AssertSameBits(unfused.Run(inputs), fused.Run(inputs), $"seed {seed}");
        }
    }

    [Fact]
    public void PoolingsThatDoNotTileAndProductsReadTwiceAreLeftAlone()
    {
        var conv = new Conv2d(3, 4, 3, padding: 1, generator: new Generator(15));
        var x = RandomTensor(16, [2, 3, 9, 9]);
        var overlapping = Grad.Trace(a => MaxPool2d(conv.Forward(a[0]).Relu(), 3, stride: 2), x);
        var padded = Grad.Trace(a => MaxPool2d(conv.Forward(a[0]).Relu(), 2, padding: 1), x);
        var readTwice = Grad.Trace(a =>
        {
            var y = conv.Forward(a[0]).Relu();
            return MaxPool2d(y, 2) + MaxPool2d(y, 2) * 0 + y.Sum();
        }, x);
        foreach (var tape in new[] { overlapping, padded, readTwice })
        {
            var compiled = Compile(tape, fuse: true);
            Assert.Equal(0, FusedPools(compiled.Tape));
            AssertSameBits(Compile(tape, fuse: false).Run([x]), compiled.Run([x]), "left alone");
        }
    }
}
