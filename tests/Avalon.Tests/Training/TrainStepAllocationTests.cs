using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Training;

/// <summary>
/// A compiled training step allocates no managed memory after warm-up (MLP with Adam, a model with
/// BatchNorm); a CNN's convolution and pooling kernels still allocate their small per-call bookkeeping.
/// Run on one thread: multithreaded kernels add the thread pool's loop bookkeeping.
/// </summary>
[Collection(Backends.Cpu.ThreadCountCollection.Name)]
public sealed class TrainStepAllocationTests
{
    /// <summary>The least bytes per step over three rounds of 10 (a one-off runtime allocation is not a per-step cost).</summary>
    private static long BytesPerStep(TrainStep step, (Tensor X, Tensor Y)[] batches)
    {
        for (int i = 0; i < 6; i++) step.Run(batches[i % 2].X, batches[i % 2].Y);
        long least = long.MaxValue;
        for (int round = 0; round < 3 && least != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) step.Run(batches[i % 2].X, batches[i % 2].Y);
            least = Math.Min(least, (GC.GetAllocatedBytesForCurrentThread() - before) / 10);
        }
        return least;
    }

    private static T OnOneThread<T>(Func<T> body)
    {
        int saved = Threads.Count;
        Threads.Count = 1;
        try { return body(); }
        finally { Threads.Count = saved; }
    }

    [Fact]
    public void AnMlpStepWithAdamAllocatesNothingAfterWarmUp()
    {
        var model = Mlp(2, inFeatures: 32, hidden: 64, classes: 10);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3, amsgrad: true);
        var step = TrainStep.Compile(model, (o, t) => Functional.CrossEntropy(o, t), optimizer);
        var batches = Enumerable.Range(0, 2).Select(i => (Tensor.Randn([32, 32], new Generator((ulong)i)), Tensor.RandInt(0, 10, [32], new Generator((ulong)i + 9)))).ToArray();
        long bytes = OnOneThread(() => BytesPerStep(step, batches));
        Assert.True(bytes == 0, $"a compiled MLP+Adam step allocates {bytes} bytes");
        Assert.Equal(1, step.TraceCount);
    }

    [Fact]
    public void AStepOfAModelWithBatchNormAllocatesNothingAfterWarmUp()
    {
        var model = new Sequential(new Linear(16, 32, generator: new Generator(1)), new BatchNorm1d(32), new ReLU(),
            new Linear(32, 5, generator: new Generator(2)));
        var optimizer = new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9);
        var step = TrainStep.Compile(model, (o, t) => Functional.CrossEntropy(o, t), optimizer);
        var batches = Enumerable.Range(0, 2).Select(i => (Tensor.Randn([24, 16], new Generator((ulong)i)), Tensor.RandInt(0, 5, [24], new Generator((ulong)i + 9)))).ToArray();
        long bytes = OnOneThread(() => BytesPerStep(step, batches));
        Assert.True(bytes == 0, $"a compiled BatchNorm+SGD step allocates {bytes} bytes");
        Assert.Equal(1, step.TraceCount);
    }

    [Fact]
    public void ACnnStepAllocatesNothingAfterWarmUpOnOneThreadOrTwo()
    {
        var model = SmallCnn(3);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var step = TrainStep.Compile(model, (o, t) => Functional.CrossEntropy(o, t), optimizer);
        var batches = Enumerable.Range(0, 2).Select(i => (Tensor.Randn([16, 1, 8, 8], new Generator((ulong)i)), Tensor.RandInt(0, 3, [16], new Generator((ulong)i + 9)))).ToArray();
        long bytes = OnOneThread(() => BytesPerStep(step, batches));
        Assert.True(bytes == 0, $"a compiled CNN step allocates {bytes} bytes on one thread");
        // With two threads the kernels hand work to the pool: the calling thread still allocates nothing
        // (the process-wide count would include tests running beside this one, so it is not asserted).
        int saved = Threads.Count;
        Threads.Count = 2;
        try
        {
            long perStep = BytesPerStep(step, batches);
            Assert.True(perStep == 0, $"a compiled CNN step allocates {perStep} bytes on the calling thread with two threads");
        }
        finally
        {
            Threads.Count = saved;
        }
    }
}
