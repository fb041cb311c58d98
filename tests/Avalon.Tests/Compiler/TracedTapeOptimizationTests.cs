using Avalon.Autodiff;
using Avalon.Nn;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

/// <summary>The default pipeline on real traced tapes: a model's forward and traced training steps give the same outputs with fewer calls.</summary>
public sealed class TracedTapeOptimizationTests
{
    [Fact]
    public void MlpForwardKeepsItsOutputs()
    {
        var model = Mlp(1);
        var tape = Grad.Trace(a => model.Forward(a[0]), Tensor.Ones(5, 8));
        var optimized = AssertOptimizedAgrees(tape);
        Assert.True(Calls(optimized) <= Calls(tape));
    }

    [Fact]
    public void MlpTrainingStepGivesTheSameLossAndGradientsWithFewerCalls()
    {
        var model = Mlp(2);
        var x = Tensor.Randn([6, 8], new Generator(3));
        var y = Tensor.RandInt(0, 4, [6], new Generator(4));
        var step = Grad.TraceStep(model, b => [Functional.CrossEntropy(model.Forward(b[0]), b[1])], x, y);
        var tape = step.Tape;
        var optimized = AssertOptimizedAgrees(tape, rtol: 1e-5, atol: 1e-6);
        Assert.True(Calls(optimized) < Calls(tape), $"{Calls(optimized)} calls after, {Calls(tape)} before:\n{optimized}");
    }

    [Fact]
    public void CnnTrainingStepWithBatchNormAndDropoutReplaysTheSame()
    {
        var dropoutGenerator = new Generator(11);
        var model = new Sequential(new Conv2d(1, 3, 3, padding: 1, generator: new Generator(5)), new BatchNorm2d(3), new ReLU(),
            new Dropout(0.3, dropoutGenerator), new Flatten(), new Linear(3 * 6 * 6, 2, generator: new Generator(6)));
        var x = Tensor.Randn([4, 1, 6, 6], new Generator(7));
        var target = Tensor.Randn([4, 2], new Generator(8));
        var step = Grad.TraceStep(model, b => [Functional.MseLoss(model.Forward(b[0]), b[1])], x, target);
        var tape = step.Tape;
        var optimized = Avalon.Compiler.Compiler.Optimize(tape, Checked());
        var bn = (BatchNorm2d)model[1];
        for (int seed = 1; seed <= 2; seed++)
        {
            var inputs = RandomInputs(tape, seed);
            var mean = bn.RunningMean!.Clone();
            var variance = bn.RunningVar!.Clone();
            dropoutGenerator.Seed((ulong)seed);
            var expected = tape.Run(inputs);
            var expectedMean = bn.RunningMean.Clone();
            bn.RunningMean.Copy_(mean);
            bn.RunningVar.Copy_(variance);
            dropoutGenerator.Seed((ulong)seed);
            var actual = optimized.Run(inputs);
            AssertAllClose(expected, actual, $"seed {seed}", 1e-4, 1e-5);
            AssertClose(expectedMean, bn.RunningMean, "running mean");
        }
        Assert.True(Calls(optimized) < Calls(tape));
    }
}
