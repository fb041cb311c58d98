using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Fusion;
using Xunit.Abstractions;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler.Fusion;

/// <summary>
/// The default pipeline (fusion included) on the benchmark models' traced training steps: the compiled
/// step gives the replayed step's loss and gradients, with fewer calls, and the backward patterns fuse.
/// </summary>
public sealed class TrainStepFusionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("cnn")]
    [InlineData("lenet")]
    [InlineData("vae")]
    public void TheCompiledStepGivesTheReplayedLossAndGradients(string model)
    {
        var (step, module, noise) = TrainStepModels.Trace(model, 3);
        var tape = step.Tape;
        var log = new StringWriter();
        var compiled = Avalon.Compiler.Compiler.Prepare(tape, new CompileOptions { ValidateAfterEachPass = true, DebugLevel = 1, DebugWriter = log });
        output.WriteLine(log.ToString());
        int before = Calls(tape), after = Calls(compiled.Tape);
        output.WriteLine($"{model}: {before} → {after} calls");
        Assert.True(after < before, $"{after} calls after, {before} before");
        for (int seed = 1; seed <= 2; seed++)
        {
            Tensor[] inputs = [.. module.Parameters(), .. TrainStepModels.Batch(model, 3, seed)];
            noise?.Seed((ulong)seed);
            var expected = tape.Run(inputs);
            noise?.Seed((ulong)seed);
            AssertAllClose(expected, compiled.Run(inputs), $"{model} seed {seed}", 1e-4, 1e-5);
        }
    }

    [Fact]
    public void ReluBackwardAndBiasActivationsFuseInTheCnnStep()
    {
        var (step, _, _) = TrainStepModels.Trace("cnn", 2);
        var optimized = Avalon.Compiler.Compiler.Optimize(step.Tape, Checked());
        output.WriteLine(optimized.ToString());
        // Every conv's bias + relu runs as its epilogue, inside the pooling that is its only reader.
        Assert.Equal(3, Calls(optimized, "conv_epilogue_max_pool"));
        Assert.Equal(0, Calls(optimized, "conv_epilogue"));
        Assert.Equal(0, Calls(optimized, "max_pool_with_indices"));
        // No relu backward `where(x > 0, g, 0)` is left unfused (the loss's int64 target selection stays a where).
        Assert.Equal(0, Calls(optimized, "gt"));
        Assert.DoesNotContain(optimized.Ops.OfType<CallOp>(), c => c.Primitive.Name == "where" && c.Spec.DType != DType.Int64);
        Assert.Equal(3, optimized.Ops.OfType<CallOp>().Count(c => c.Primitive is FusedElementwisePrimitive f && f.Expression.ToString() == "where(gt(x0, x1), x2, x3)"));
    }

    [Fact]
    public void TheVaeLossesElementwiseChainsRunInTwoFusedCalls()
    {
        var (step, _, _) = TrainStepModels.Trace("vae", 3);
        var optimized = Avalon.Compiler.Compiler.Optimize(step.Tape, Checked());
        output.WriteLine(optimized.ToString());
        // BCE's clamped logs, masks and 1 − x are recomputed inside the loss's fused call and its backward's.
        foreach (string name in new[] { "log", "gt", "where", "sub", "mul", "exp" })
            Assert.Equal(0, Calls(optimized, name));
        var fused = optimized.Ops.OfType<CallOp>().Where(c => c.Primitive is FusedElementwisePrimitive).ToList();
        Assert.Equal(2, fused.Count(c => c.Attributes.String("expr").Contains("log(")));
        // The weight gradients are computed densely by matmul_transpose: no copies.
        Assert.Equal(0, Calls(optimized, "contiguous"));
    }
}
