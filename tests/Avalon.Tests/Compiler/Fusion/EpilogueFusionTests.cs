using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Fusion;
using Avalon.Nn;
using static Avalon.Nn.Functional;
using static Avalon.Tests.Compiler.FusionTestHelpers;

namespace Avalon.Tests.Compiler.Fusion;

/// <summary>
/// <c>epilogue_fusion</c>: matmul (linear) and conv calls take the fused bias/activation that follows
/// them; the result must equal the elementwise-fused tape bit for bit (the same kernels run, the
/// epilogue in place) and the unfused tape within the fused kernels' tolerance.
/// </summary>
public class EpilogueFusionTests
{
    private static Tape FuseAll(Tape tape) => new EpilogueFusion().Run(Fuse(tape), new PassContext(new CompileOptions { DebugLevel = 0 }));

    private static int Epilogues(Tape tape) => tape.Ops.OfType<CallOp>().Count(c => c.Primitive is FusedEpiloguePrimitive);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 13, 17)]
    [InlineData(64, 100, 33)]
    public void LinearWithBiasAndGeluBecomesOneCall(int batch, int inFeatures, int outFeatures)
    {
        var x = RandomTensor(50, [batch, inFeatures]);
        var w = RandomTensor(51, [outFeatures, inFeatures], range: 0.3);
        var b = RandomTensor(52, [outFeatures]);
        var tape = Grad.Trace(a => Gelu(Linear(a[0], a[1], a[2]), "tanh"), x, w, b);
        var elementwise = Fuse(tape);
        var fused = FuseAll(tape);
        var calls = fused.Ops.OfType<CallOp>().ToList();
        Assert.Equal(["permute", "matmul_epilogue"], calls.Select(c => c.Primitive.Name));   // weight.T is a view
        AssertSameBits(elementwise, fused, [x, w, b], "epilogue vs elementwise fusion");
        AssertWithinUlps(tape, fused, [x, w, b], "epilogue vs unfused", ulps: 2);
    }

    [Fact]
    public void DebugLevelThreePrintsTheEpiloguesGeneratedKernel()
    {
        var x = RandomTensor(53, [6, 10]);
        var w = RandomTensor(54, [4, 10], range: 0.3);
        var b = RandomTensor(55, [4]);
        var tape = Grad.Trace(a => Relu(Linear(a[0], a[1], a[2])), x, w, b);
        var log = new StringWriter();
        var fused = new EpilogueFusion().Run(Fuse(tape), new PassContext(new CompileOptions { DebugLevel = 3, DebugWriter = log }));
        string text = log.ToString();
        Assert.Contains("epilogue_fusion: matmul then ", text);
        Assert.Contains("epilogue generated in", text);
        Assert.Contains("void Kernel(FusedFrame f, int start, int end)", text);
        AssertSameBits(Fuse(tape), fused, [x, w, b], "debug level 3");
    }

    [Fact]
    public void ConvWithBiasAndReluBecomesOneCallAndABackwardTapeKeepsWorking()
    {
        var conv = new Conv2d(3, 5, 3, padding: 1, generator: new Generator(7));
        var x = RandomTensor(53, [2, 3, 9, 11]);
        var inference = Grad.Trace(a => (conv.Forward(a[0]) * 0.5).Relu(), x);
        var fused = FuseAll(inference);
        Assert.Equal(1, Epilogues(fused));
        Assert.Equal("conv_epilogue", fused.Ops.OfType<CallOp>().Single().Primitive.Name);
        AssertSameBits(Fuse(inference), fused, [x], "conv epilogue");

        var step = Grad.TraceStep(conv, b => [(conv.Forward(b[0]).Relu() * 3).Sigmoid().Sum()], x);
        var inputs = conv.NamedParameters().Select(p => p.Value).Append(x).ToArray();
        var trained = FuseAll(step.Tape);
        Assert.True(Epilogues(trained) >= 1, trained.ToString());
        AssertWithinUlps(step.Tape, trained, inputs, "conv training step", ulps: 2);
    }

    [Theory]
    [InlineData(1, 1, 4)]
    [InlineData(5, 1, 4)]
    [InlineData(7, 2, 4)]
    [InlineData(1, 1, 40)]
    public void ConvEpiloguesRunPerSliceAsTheWholeOutputWould(int batch, int groups, int channels)
    {
        // The epilogue runs on each (sample, group) slice — or, for a single image, each block of its output
        // channels — as the conv writes it: with a per-position operand, one broadcast per channel, and the
        // conv's own input (a residual), over more slices than threads.
        var conv = new Conv2d(channels, channels, 3, padding: 1, groups: groups, generator: new Generator(8));
        var x = RandomTensor(54, [batch, channels, 7, 6]);
        var skip = RandomTensor(55, [batch, channels, 7, 6]);
        var scale = RandomTensor(56, [1, channels, 1, 1]);
        var tape = Grad.Trace(a => ((conv.Forward(a[0]) + a[0]) * a[2] + a[1]).Relu(), x, skip, scale);
        var fused = FuseAll(tape);
        Assert.Equal(1, Epilogues(fused));
        AssertSameBits(Fuse(tape), fused, [x, skip, scale], "conv epilogue by slices");
        AssertWithinUlps(tape, fused, [x, skip, scale], "conv epilogue vs unfused", ulps: 2);
    }

    [Fact]
    public void AProductWhoseArgumentsAreWrittenBeforeTheEpilogueKeepsItsOwnCall()
    {
        // The epilogue call runs the product where the epilogue was: an in-place write into the product's
        // arguments in between would be read by it.
        var x = RandomTensor(41, [3, 4]);
        var w = RandomTensor(42, [4, 5]);
        var tape = Grad.Trace(a =>
        {
            var h = a[0].Exp();
            var product = h.MatMul(a[1]);
            h.Add_(1);
            return (product + 1).Relu() + h.Sum();
        }, x, w);
        var fused = FuseAll(tape);
        AssertSameBits(Fuse(tape), fused, [x, w], "write between a product and its epilogue");
        Assert.Equal(0, Epilogues(fused));
    }

    [Fact]
    public void AProductReadElsewhereOrReturnedKeepsItsOwnCall()
    {
        var x = RandomTensor(54, [4, 6]);
        var w = RandomTensor(55, [6, 6]);
        var shared = Grad.Trace(a => { var z = a[0].MatMul(a[1]); return (z + 1).Relu() + z.Sum(); }, x, w);
        Assert.Equal(0, Epilogues(FuseAll(shared)));
        var returned = Grad.Trace(a => a[0].MatMul(a[1]), x, w);
        Assert.Equal(0, Epilogues(FuseAll(returned)));
    }
}
