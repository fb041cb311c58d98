using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Fusion;
using Avalon.Nn;
using Avalon.Primitives;
using Avalon.Tests.Backends.Cpu.Elementwise;
using Xunit.Abstractions;
using static Avalon.Nn.Functional;
using static Avalon.Tests.Compiler.FusionTestHelpers;

namespace Avalon.Tests.Compiler.Fusion;

/// <summary>
/// The <c>elementwise_fusion</c> pass on traced tapes: which calls it groups and which it leaves, the op
/// count of real forward+backward tapes before and after, and that the fused tapes compute what the
/// unfused ones do.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class ElementwiseFusionTests(ITestOutputHelper output)
{
    private sealed class Mlp : Module
    {
        public Linear Fc1 = new(20, 64, generator: new Generator(1));
        public Linear Fc2 = new(64, 32, generator: new Generator(2));
        public Linear Fc3 = new(32, 5, generator: new Generator(3));

        public override Tensor Forward(Tensor x) => Fc3.Forward(Tanh(Gelu(Fc2.Forward(Relu(Fc1.Forward(x))), "tanh")));
    }

    private sealed class SmallCnn : Module
    {
        public Conv2d Conv1 = new(1, 4, 3, generator: new Generator(4));
        public Conv2d Conv2 = new(4, 6, 3, generator: new Generator(5));
        public Linear Fc = new(6 * 4 * 4, 3, generator: new Generator(6));

        public override Tensor Forward(Tensor x)
        {
            x = MaxPool2d(Relu(Conv1.Forward(x)), 2);          // [N, 4, 13, 13] → [N, 4, 6, 6]
            x = Silu(Conv2.Forward(x));                          // [N, 6, 4, 4]
            return LogSoftmax(Fc.Forward(x.Reshape(-1, 6 * 4 * 4)), dim: 1);
        }
    }

    private static (Tape Tape, Tensor[] Inputs) TraceTrainingStep(Module model, Tensor x, Tensor target)
    {
        var step = Grad.TraceStep(model, b => [MseLoss(model.Forward(b[0]), b[1]) + model.Forward(b[0]).Square().Mean() * 0.01], x, target);
        var inputs = model.NamedParameters().Select(p => p.Value).Append(x).Append(target).ToArray();
        return (step.Tape, inputs);
    }

    [Fact]
    public void AnMlpTrainingStepHasFewerOpsAndTheSameOutputsAndGradients()
    {
        var model = new Mlp();
        var x = RandomTensor(30, [16, 20]);
        var target = RandomTensor(31, [16, 5]);
        var (tape, inputs) = TraceTrainingStep(model, x, target);
        var fused = Fuse(tape);
        int before = tape.Ops.OfType<CallOp>().Count(), after = fused.Ops.OfType<CallOp>().Count();
        Assert.True(FusedCalls(fused) >= 4, $"expected several fused groups, got {FusedCalls(fused)}:\n{fused}");
        output.WriteLine($"MLP step: {before} calls before fusion, {after} after ({FusedCalls(fused)} fused).");
        Assert.True(after <= before * 3 / 4, $"MLP step: {before} calls before fusion, {after} after.");
        fused.Validate();
        AssertWithinUlps(tape, fused, inputs, "MLP loss and gradients", ulps: 2);
    }

    [Fact]
    public void ACnnTrainingStepHasFewerOpsAndTheSameOutputsAndGradients()
    {
        var model = new SmallCnn();
        var x = RandomTensor(32, [3, 1, 15, 15]);
        var target = RandomTensor(33, [3, 3]);
        var (tape, inputs) = TraceTrainingStep(model, x, target);
        var fused = Fuse(tape);
        int before = tape.Ops.OfType<CallOp>().Count(), after = fused.Ops.OfType<CallOp>().Count();
        Assert.True(FusedCalls(fused) >= 3, $"expected several fused groups, got {FusedCalls(fused)}:\n{fused}");
        output.WriteLine($"CNN step: {before} calls before fusion, {after} after ({FusedCalls(fused)} fused).");
        Assert.True(after < before, $"CNN step: {before} calls before fusion, {after} after.");
        AssertWithinUlps(tape, fused, inputs, "CNN loss and gradients", ulps: 2);
    }

    [Fact]
    public void AValueUsedOutsideTheGroupIsComputedOnItsOwn()
    {
        var x = RandomTensor(34, [4, 5]);
        var tape = Grad.Trace(a =>
        {
            var h = a[0] * 2 + 1;         // used by relu and by the sum: not an intermediate of relu's group
            return h.Relu().Exp() + h.Sum();
        }, x);
        var fused = Fuse(tape);
        var calls = fused.Ops.OfType<CallOp>().ToList();
        var groups = calls.Where(c => c.Primitive is FusedElementwisePrimitive).ToList();
        Assert.Equal(2, groups.Count);   // (x * 2 + 1) and (exp(relu(h)) + sum)
        Assert.Contains(calls, c => c.Primitive.Name == "sum");
        AssertSameBits(tape, fused, [x], "shared intermediate");
    }

    [Fact]
    public void AValueReadOnlyByElementwiseCallsIsRecomputedInEachReadersGroup()
    {
        var x = RandomTensor(35, [6, 7], specials: true);
        var y = RandomTensor(36, [6, 7]);
        var tape = Grad.Trace(a =>
        {
            // BCE's clamped log: the mask, the selection and the log are read by two groups (as by a loss and its backward).
            var positive = a[0] > 0;
            var log = Tensor.Where(positive, a[0], 1.0).Log();
            return (log * a[1]).Sum() + (Tensor.Where(positive, log, -100.0) / (a[1].Abs() + 1)).Amax();
        }, x, y);
        var fused = Fuse(tape);
        output.WriteLine(fused.ToString());
        var calls = fused.Ops.OfType<CallOp>().ToList();
        Assert.DoesNotContain(calls, c => c.Primitive.Name is "gt" or "where" or "log" or "mul" or "div");
        var groups = calls.Where(c => c.Primitive is FusedElementwisePrimitive).ToList();
        Assert.Equal(2, groups.Count);   // log·y and where(…)/(|y| + 1), each computing the log
        Assert.All(groups, g => Assert.Contains("log(", g.Attributes.String("expr")));
        AssertSameBits(tape, fused, [x, y], "recomputed log");
    }

    [Fact]
    public void AValueAlsoReadByAnotherKindOfCallIsNotRecomputed()
    {
        var x = RandomTensor(37, [6, 7]);
        var tape = Grad.Trace(a =>
        {
            var e = (a[0] * 0.5).Exp();
            return (e + 1).Sum() + (e * 2).Sum() + e.Amax();   // amax reads e: it is computed once, on its own
        }, x);
        var fused = Fuse(tape);
        var groups = fused.Ops.OfType<CallOp>().Where(c => c.Primitive is FusedElementwisePrimitive).ToList();
        Assert.Single(groups, g => g.Attributes.String("expr").Contains("exp("));   // e's own group
        AssertSameBits(tape, fused, [x], "shared exp");
    }

    [Fact]
    public void AProductsSoleReaderIsNotRecomputedSoTheProductKeepsItsEpilogue()
    {
        var x = RandomTensor(38, [5, 8]);
        var w = RandomTensor(39, [8, 6]);
        var b = RandomTensor(40, [6]);
        var tape = Grad.Trace(a =>
        {
            var h = a[0].MatMul(a[1]) + a[2];       // read by tanh and by sigmoid (a forward and a backward, say)
            return h.Tanh().Sum() + h.Sigmoid().Sum();
        }, x, w, b);
        var optimized = CompilerTestUtil.AssertOptimizedAgrees(tape, CompilerTestUtil.Checked());
        output.WriteLine(optimized.ToString());
        Assert.Equal(1, CompilerTestUtil.Calls(optimized, "matmul_epilogue"));
        Assert.Equal(0, CompilerTestUtil.Calls(optimized, "matmul"));
    }

    [Fact]
    public void AProducerReadingMemoryWrittenBeforeTheGroupEndsStaysOutOfIt()
    {
        // Found by CompiledEqualsEagerProperties: the fused call runs where the group's last call was, so a
        // producer moved into it read its argument after an in-place write made in between.
        var x = RandomTensor(37, [4, 5]);
        var tape = Grad.Trace(a =>
        {
            var b = a[0].Exp();
            var y = b * 2;                 // reads b before the write
            b.Add_(1);
            return (y + 1).Tanh() + b;
        }, x);
        var fused = Fuse(tape);
        AssertSameBits(tape, fused, [x], "write between a producer and the group's end");
        var input = RandomTensor(38, [3]);
        var writesInput = Grad.Trace(a =>
        {
            var y = a[0] * 2;
            a[0].Mul_(0.5);                // the caller's tensor, written in place
            return (y + 1).Sigmoid();
        }, input.Clone());
        var f = Fuse(writesInput);
        CompilerTestUtil.AssertClose(writesInput.Run(input.Clone())[0], f.Run(input.Clone())[0], "write into an input between a producer and the group's end");
    }

    [Fact]
    public void TapeOutputsRandomCallsAndOtherShapesStayOutOfGroups()
    {
        var x = RandomTensor(35, [6, 7]);
        var b = RandomTensor(36, [7]);
        var tape = Grad.Trace(a =>
        {
            var scaled = a[1] * 3 - 1;                         // [7]: another shape than the group's, computed on its own
            var d = Dropout(a[0] + scaled, 0.5, training: true);   // random: never fused
            return (d.Relu() * 2).Sigmoid();
        }, x, b);
        var fused = Fuse(tape);
        Assert.Contains(fused.Ops.OfType<CallOp>(), c => c.Primitive.Name == "dropout");
        var group = Assert.Single(fused.Ops.OfType<CallOp>(), c => c.Primitive is FusedElementwisePrimitive p && p.Expression.OperationCount == 3);
        Assert.Equal("sigmoid(mul(relu(x0), x1))", ((FusedElementwisePrimitive)group.Primitive).Expression.ToString());
        fused.Validate();

        // A value the tape returns is not folded into a group as an intermediate.
        var two = Grad.Trace(a => (a[0] + 1).Exp(), x);
        var builder = new TapeBuilder(two);
        builder.SetOutputs([two.Ops.OfType<CallOp>().First(c => c.Primitive.Name == "add").Id, two.Outputs[0]]);
        var fusedTwo = Fuse(builder.Build());
        Assert.Equal(0, FusedCalls(fusedTwo));
    }

    [Fact]
    public void FusedResultsDoNotDependOnTheThreadCount()
    {
        int n = 1_000_003;
        var x = RandomTensor(37, [n]);
        var y = RandomTensor(38, [n]);
        var fused = Fuse(Grad.Trace(a => (a[0] * a[1] + a[0].Tanh()).Sigmoid() - a[1].Log1p().Abs(), x, y));
        int saved = Avalon.Threads.Count;
        try
        {
            Avalon.Threads.Count = 1;
            var one = fused.Run(x, y)[0].ToArray<float>();
            Avalon.Threads.Count = 3;
            var three = fused.Run(x, y)[0].ToArray<float>();
            Assert.Equal(one, three);
        }
        finally
        {
            Avalon.Threads.Count = saved;
        }
    }

    [Fact]
    public void FusedPrimitivesAreNotRegisteredAndHaveNoDerivativeRule()
    {
        var x = RandomTensor(39, [3, 3]);
        var fused = Fuse(Grad.Trace(a => (a[0] + 1).Relu(), x));
        var primitive = (FusedElementwisePrimitive)fused.Ops.OfType<CallOp>().Single().Primitive;
        Assert.DoesNotContain(PrimitiveRegistry.All, p => p.Name == FusedElementwisePrimitive.PrimitiveName);
        Assert.Throws<KeyNotFoundException>(() => PrimitiveRegistry.Get(FusedElementwisePrimitive.PrimitiveName));
        var p = x.Clone().RequiresGrad_();
        var y = primitive.Invoke(Attributes.Empty, p, Tensor.Scalar(1, DType.Float32, Device.Cpu));
        var e = Assert.Throws<NotSupportedException>(() => y.Sum().Backward());
        Assert.Contains("fused_elementwise", e.Message);
        Assert.Contains("no derivative rule", e.Message);
        var bad = Assert.Throws<ArgumentException>(() => primitive.Invoke(Attributes.Empty, x.To(DType.Float64), Tensor.Scalar(1, DType.Float32, Device.Cpu)));
        Assert.Contains("float32", bad.Message);
    }

    [Fact]
    public void TheSamePatternCompilesOnceAndDebugLevelThreePrintsTheKernel()
    {
        var x = RandomTensor(40, [5, 9]);
        var b = RandomTensor(41, [9]);
        var log = new StringWriter();
        var options = new CompileOptions { DebugLevel = 3, DebugWriter = log };
        var tape = Grad.Trace(a => ((a[0] - a[1]) * 1.25).Relu() + ((a[0] * a[0] - a[1]) * 1.25).Relu(), x, b);
        var fused = new ElementwiseFusion().Run(tape, new PassContext(options));
        Assert.Contains("elementwise_fusion: 1 fused group(s) replacing 8 calls", log.ToString());
        Assert.Contains("void Kernel(FusedFrame f, int start, int end)", log.ToString());
        int kernels = Avalon.Compiler.CodeGen.FusedKernelCache.Count;
        var again = Fuse(Grad.Trace(a => ((a[0] - a[1]) * 1.25).Relu() + ((a[0] * a[0] - a[1]) * 1.25).Relu(), x, b));
        AssertSameBits(tape, again, [x, b], "second trace");
        Assert.Equal(kernels, Avalon.Compiler.CodeGen.FusedKernelCache.Count);
        AssertSameBits(tape, fused, [x, b], "debug level 3");
    }
}
