using Avalon.Autodiff;
using Avalon.Compiler.Execution;
using Avalon.Nn;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

/// <summary>
/// A compiled CNN training step allocates no buffers after warm-up: what it still allocates is the
/// convolution and pooling kernels' small per-call bookkeeping (their geometry, a job object), the same
/// for a batch of 8 as for a batch of 32, where an uncompiled step allocates every activation. Run on one
/// thread: the kernels' multithreaded paths add the thread pool's parallel-loop bookkeeping.
/// </summary>
[Collection(Backends.Cpu.ThreadCountCollection.Name)]
public sealed class CompiledCnnAllocationTests
{
    private static (long PerStep, CompiledTape Compiled, Tensor[] Inputs, StepTape Step) Measure(int batch)
    {
        var model = SmallCnn(6);
        var step = Grad.TraceStep(model, b => [Functional.CrossEntropy(model.Forward(b[0]), b[1])],
            Tensor.Randn([batch, 1, 8, 8], new Generator(1)), Tensor.RandInt(0, 3, [batch], new Generator(2)));
        var compiled = Avalon.Compiler.Compiler.Prepare(step.Tape, Checked());
        var inputs = Enumerable.Range(0, 2).Select(i => (Tensor[])[.. model.Parameters(), Tensor.Randn([batch, 1, 8, 8], new Generator((ulong)i + 3)), Tensor.RandInt(0, 3, [batch], new Generator((ulong)i + 9))]).ToArray();
        for (int i = 0; i < 4; i++) compiled.Run(inputs[i % 2]);
        // The least over three rounds: a one-off allocation (a lazy initialisation the runtime makes when a
        // method is recompiled at a higher tier, say) is not a per-step cost.
        long perStep = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) compiled.Run(inputs[i % 2]);
            perStep = Math.Min(perStep, (GC.GetAllocatedBytesForCurrentThread() - before) / 10);
        }
        return (perStep, compiled, inputs[0], step);
    }

    [Fact]
    public void ASmallCnnTrainingStepAllocatesNoBuffersAfterWarmUp()
    {
        int saved = Threads.Count;
        Threads.Count = 1;
        try
        {
            var (small, compiled, inputs, step) = Measure(8);
            var (large, _, _, _) = Measure(32);
            string where = string.Join("; ", compiled.MeasureStepAllocations(inputs).Select(s => $"{s.Step.Split(' ')[2]}: {s.Bytes}"));
            Assert.True(small == large, $"a step allocates {small} bytes at batch 8 but {large} at batch 32: buffers are allocated ({where})");
            Assert.True(small < 2048, $"a step allocates {small} bytes ({where})");
            AssertAllClose(step.Tape.Run(inputs), compiled.Run(inputs), "cnn step", 1e-4, 1e-5);
            // Only the convolution and pooling kernels allocate.
            Assert.All(compiled.MeasureStepAllocations(inputs), s => Assert.Matches("= (conv|conv_epilogue|conv_backward_weight|conv_backward_input|max_pool_with_indices|max_pool_backward)\\(", s.Step));
        }
        finally
        {
            Threads.Count = saved;
        }
    }
}
