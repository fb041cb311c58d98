using Avalon.Nn;
using Avalon.Optim;
using Avalon.Optim.Schedulers;
using Avalon.Training;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Training;

/// <summary>
/// The compiled training step against the eager one (zero-grad, forward, loss, Backward, Step) on twin
/// models built from the same seeds: same losses, parameters, buffers and optimiser state.
/// </summary>
public sealed class TrainStepTests
{
    private static Tensor CrossEntropyLoss(Tensor output, Tensor target) => Functional.CrossEntropy(output, target);

    private static (Tensor X, Tensor Y) Batch(int i, int batch = 16, int features = 8, int classes = 4) =>
        (Tensor.Randn([batch, features], new Generator((ulong)(100 + i))), Tensor.RandInt(0, classes, [batch], new Generator((ulong)(500 + i))));

    private static Tensor EagerStep(Module model, Optimizer optimizer, Func<Tensor, Tensor, Tensor> loss, Tensor x, Tensor y)
    {
        optimizer.ZeroGrad();
        var value = loss(model.Forward(x), y);
        value.Backward();
        optimizer.Step();
        return value;
    }

    private static void AssertSameState(Module eager, Module compiled, string what, double rtol = 1e-4, double atol = 1e-5)
    {
        var e = eager.StateDict();
        var c = compiled.StateDict();
        Assert.Equal(e.Keys, c.Keys);
        foreach (var (name, value) in e) AssertClose(value, c[name], $"{what}: {name}", rtol, atol);
    }

    private static void AssertSameOptimizerState(Optimizer eager, Optimizer compiled, string what)
    {
        var e = eager.StateDict();
        var c = compiled.StateDict();
        Assert.Equal(e.State.Keys.Order(), c.State.Keys.Order());
        foreach (var (index, state) in e.State)
        {
            Assert.Equal(state.Keys.Order(), c.State[index].Keys.Order());
            foreach (var (key, value) in state)
            {
                if (value is Tensor t) AssertClose(t, (Tensor)c.State[index][key], $"{what}: state {index}.{key}", 1e-4, 1e-5);
                else Assert.Equal(value, c.State[index][key]);
            }
        }
    }

    [Fact]
    public void FiftyCompiledAdamStepsOfAnMlpEqualFiftyEagerOnes()
    {
        var eager = Mlp(3);
        var compiled = Mlp(3);
        var eagerOpt = new Adam(eager.Parameters(), lr: 1e-2, weightDecay: 1e-3);
        var compiledOpt = new Adam(compiled.Parameters(), lr: 1e-2, weightDecay: 1e-3);
        var step = TrainStep.Compile(compiled, CrossEntropyLoss, compiledOpt);
        for (int i = 0; i < 50; i++)
        {
            var (x, y) = Batch(i % 7);
            var expected = EagerStep(eager, eagerOpt, CrossEntropyLoss, x, y);
            var actual = step.Run(x, y);
            AssertClose(expected, actual.Loss, $"loss of step {i}", 1e-4, 1e-5);
        }
        Assert.Equal(1, step.TraceCount);
        AssertSameState(eager, compiled, "after 50 steps");
        AssertSameOptimizerState(eagerOpt, compiledOpt, "after 50 steps");
        Assert.Equal(50.0, compiledOpt.GetState(compiled.Parameters().First())!["step"]);
        // The gradients of the last step are the parameters' Grad, as after an eager step.
        foreach (var (e, c) in eager.Parameters().Zip(compiled.Parameters()))
            AssertClose(e.Grad!, c.Grad!, "gradient of the last step", 1e-4, 1e-5);
    }

    private static Sequential Cnn(int seed, Generator dropout) =>
        new(new Conv2d(1, 4, 3, padding: 1, generator: new Generator((ulong)seed)), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Dropout(0.3, dropout), new Linear(4 * 4 * 4, 3, generator: new Generator((ulong)seed + 1)));

    [Fact]
    public void FiftyCompiledStepsOfACnnWithBatchNormAndDropoutEqualFiftyEagerOnes()
    {
        var eager = Cnn(5, new Generator(77));
        var compiled = Cnn(5, new Generator(77));
        var eagerOpt = new Sgd(eager.Parameters(), lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4);
        var compiledOpt = new Sgd(compiled.Parameters(), lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4);
        var step = TrainStep.Compile(compiled, CrossEntropyLoss, compiledOpt);
        for (int i = 0; i < 50; i++)
        {
            var x = Tensor.Randn([6, 1, 8, 8], new Generator((ulong)(i % 5)));
            var y = Tensor.RandInt(0, 3, [6], new Generator((ulong)(40 + i % 5)));
            var expected = EagerStep(eager, eagerOpt, CrossEntropyLoss, x, y);
            var actual = step.Run(x, y);
            AssertClose(expected, actual.Loss, $"loss of step {i}", 1e-4, 1e-5);
        }
        Assert.Equal(1, step.EagerSteps);            // the first step creates the momentum buffers
        Assert.Equal(1, step.TraceCount);
        AssertSameState(eager, compiled, "after 50 steps");   // includes running_mean, running_var, num_batches_tracked
        var bn = (BatchNorm2d)compiled[1];
        Assert.Equal(50L, bn.NumBatchesTracked!.Item<long>());
        AssertSameOptimizerState(eagerOpt, compiledOpt, "after 50 steps");
    }

    [Fact]
    public void ACheckBeforeTheUpdateCanClipTheGradientsInPlaceAsEagerClippingDoes()
    {
        var eager = Mlp(5);
        var compiled = Mlp(5);
        var eagerOpt = new Adam(eager.Parameters(), lr: 1e-2);
        var compiledOpt = new Adam(compiled.Parameters(), lr: 1e-2);
        var step = TrainStep.Compile(compiled, CrossEntropyLoss, compiledOpt);
        int checks = 0;
        bool Clip(TrainStepResult result)
        {
            checks++;
            Assert.All(compiled.Parameters(), p => Assert.NotNull(p.Grad));
            ClipGrad.ClipGradNorm(compiled.Parameters(), maxNorm: 0.1);
            return true;
        }
        for (int i = 0; i < 20; i++)
        {
            var (x, y) = Batch(i % 5);
            eagerOpt.ZeroGrad();
            var expected = CrossEntropyLoss(eager.Forward(x), y);
            expected.Backward();
            ClipGrad.ClipGradNorm(eager.Parameters(), maxNorm: 0.1);
            eagerOpt.Step();
            var actual = step.Run(x, y, Clip);
            Assert.False(actual.UpdateSkipped);
            AssertClose(expected, actual.Loss, $"loss of step {i}", 1e-4, 1e-5);
        }
        Assert.Equal(20, checks);
        Assert.Equal(1, step.TraceCount);
        AssertSameState(eager, compiled, "after 20 clipped steps");
        AssertSameOptimizerState(eagerOpt, compiledOpt, "after 20 clipped steps");
    }

    [Fact]
    public void ARefusedUpdateLeavesParametersAndOptimizerStateAsTheyWere()
    {
        var model = Mlp(6);
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var step = TrainStep.Compile(model, CrossEntropyLoss, optimizer);
        var (x, y) = Batch(1);
        // Refused while tracing: nothing is recorded of the update, and the next run traces again.
        var before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        Assert.True(step.Run(x, y, _ => false).UpdateSkipped);
        Assert.Empty(optimizer.StateDict().State);
        foreach (var (name, value) in before) AssertClose(value, model.StateDict()[name], $"{name} after a refused traced step", 0, 0);
        Assert.False(step.Run(x, y).UpdateSkipped);
        Assert.Equal(2, step.TraceCount);
        // Refused on a compiled run: the weights and the step count stay.
        before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        var result = step.Run(x, y, _ => false);
        Assert.True(result.UpdateSkipped);
        Assert.Equal(2, step.TraceCount);
        Assert.Equal(1.0, optimizer.GetState(model.Parameters().First())!["step"]);
        foreach (var (name, value) in before) AssertClose(value, model.StateDict()[name], $"{name} after a refused compiled step", 0, 0);
        Assert.False(step.Run(x, y).UpdateSkipped);
        Assert.Equal(2.0, optimizer.GetState(model.Parameters().First())!["step"]);
    }

    /// <summary>A small VAE: two heads, a sampled latent, a loss over three outputs (as the benchmark VAE).</summary>
    private sealed class TinyVae : Module
    {
        private readonly Generator _noise;
        public Linear Enc;
        public Linear Mu;
        public Linear LogVar;
        public Linear Dec;

        public TinyVae(int seed, Generator noise)
        {
            var init = new Generator((ulong)seed);
            _noise = noise;
            Enc = new(12, 8, generator: init);
            Mu = new(8, 2, generator: init);
            LogVar = new(8, 2, generator: init);
            Dec = new(2, 12, generator: init);
        }

        public (Tensor Reconstruction, Tensor Mu, Tensor LogVar) Run(Tensor x)
        {
            var h = Enc.Forward(x).Relu();
            Tensor mu = Mu.Forward(h), logVar = LogVar.Forward(h);
            var z = mu + Tensor.Randn(mu.Shape.ToArray(), _noise) * (logVar * 0.5).Exp();
            return (Dec.Forward(z).Sigmoid(), mu, logVar);
        }

        public static TrainStepResult Loss(TinyVae vae, Tensor x)
        {
            var (reconstruction, mu, logVar) = vae.Run(x);
            var bce = Functional.BinaryCrossEntropy(reconstruction, x, reduction: Reduction.Sum);
            var kld = -0.5 * (1.0 + logVar - mu.Pow(2) - logVar.Exp()).Sum();
            return new TrainStepResult(bce + kld, reconstruction);
        }

        public override Tensor Forward(Tensor input) => Run(input).Reconstruction;
    }

    [Fact]
    public void AStepOverAnyFunctionOfTheModelCompilesAVaeWithItsRandomDrawAsEagerRunsIt()
    {
        var eager = new TinyVae(1, new Generator(42));
        var compiled = new TinyVae(1, new Generator(42));
        AssertSameState(eager, compiled, "at the start", 0, 0);
        var eagerOpt = new Adam(eager.Parameters(), lr: 1e-2);
        var compiledOpt = new Adam(compiled.Parameters(), lr: 1e-2);
        var step = TrainStep.Compile(compiled, (x, _) => TinyVae.Loss(compiled, x), compiledOpt);
        for (int i = 0; i < 30; i++)
        {
            var x = Tensor.Rand([16, 12], new Generator((ulong)(900 + i % 4)));
            eagerOpt.ZeroGrad();
            var expected = TinyVae.Loss(eager, x);
            expected.Loss.Backward();
            eagerOpt.Step();
            var actual = step.Run(x, x);
            AssertClose(expected.Loss, actual.Loss, $"loss of step {i}", 1e-4, 1e-4);
            AssertClose(expected.Output, actual.Output, $"reconstruction of step {i}", 1e-4, 1e-5);
        }
        Assert.Equal(1, step.TraceCount);
        AssertSameState(eager, compiled, "after 30 steps");
        AssertSameOptimizerState(eagerOpt, compiledOpt, "after 30 steps");
    }

    [Fact]
    public void AProfileTimesEveryPlannedKernelOfBothTapesAndKeepsTraining()
    {
        var model = Mlp(8);
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var step = TrainStep.Compile(model, CrossEntropyLoss, optimizer);
        var (x, y) = Batch(2);
        Assert.Throws<InvalidOperationException>(() => step.Profile(x, y));
        double first = step.Run(x, y).Loss.Item();
        var profile = step.Profile(x, y, runs: 5);
        Assert.Equal(Enumerable.Range(0, profile.Count), profile.Select(t => t.Index));
        Assert.All(profile, t => Assert.True(t.MeanMilliseconds >= 0));
        Assert.Contains(profile, t => t.Operation == "matmul_epilogue" || t.Operation == "matmul");
        Assert.Equal("multi_tensor_adam_update_", profile[^1].Operation);
        Assert.Single(profile, t => t.Operation.StartsWith("multi_tensor_", StringComparison.Ordinal));
        Assert.True(step.Run(x, y).Loss.Item() < first, "the profiled runs trained");
    }

    [Fact]
    public void ANewBatchSizeCompilesOnceMoreAndBothAreReused()
    {
        var eager = Mlp(4);
        var compiled = Mlp(4);
        var eagerOpt = new AdamW(eager.Parameters(), lr: 5e-3, amsgrad: true);
        var compiledOpt = new AdamW(compiled.Parameters(), lr: 5e-3, amsgrad: true);
        var step = TrainStep.Compile(compiled, CrossEntropyLoss, compiledOpt);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            for (int i = 0; i < 3; i++)
            {
                var (x, y) = Batch(i, batch: i == 2 ? 5 : 16);          // the last batch of the epoch is partial
                var expected = EagerStep(eager, eagerOpt, CrossEntropyLoss, x, y);
                AssertClose(expected, step.Run(x, y).Loss, $"epoch {epoch} batch {i}", 1e-4, 1e-5);
            }
        }
        Assert.Equal(2, step.TraceCount);
        Assert.Equal(2, step.CacheSize);
        AssertSameState(eager, compiled, "after 3 epochs");
        AssertSameOptimizerState(eagerOpt, compiledOpt, "after 3 epochs");
    }

    [Fact]
    public void ALearningRateSchedulerTakesEffectWithoutRecompiling()
    {
        var eager = Mlp(6);
        var compiled = Mlp(6);
        var eagerOpt = new Sgd(eager.Parameters(), lr: 0.5);
        var compiledOpt = new Sgd(compiled.Parameters(), lr: 0.5);
        var eagerSchedule = new StepLR(eagerOpt, stepSize: 2, gamma: 0.3);
        var compiledSchedule = new StepLR(compiledOpt, stepSize: 2, gamma: 0.3);
        var step = TrainStep.Compile(compiled, CrossEntropyLoss, compiledOpt);
        for (int i = 0; i < 8; i++)
        {
            var (x, y) = Batch(i);
            EagerStep(eager, eagerOpt, CrossEntropyLoss, x, y);
            step.Run(x, y);
            eagerSchedule.Step();
            compiledSchedule.Step();
        }
        AssertSameState(eager, compiled, "after a decaying schedule");
        // A learning rate of zero: the compiled update must read it and leave the parameters as they are.
        compiledOpt.ParamGroups[0].LearningRate = 0;
        var before = compiled.Parameters().Select(p => p.Clone()).ToArray();
        step.Run(Batch(9).X, Batch(9).Y);
        foreach (var (b, p) in before.Zip(compiled.Parameters())) Assert.Equal(b.ToArray<float>(), p.ToArray<float>());
        Assert.Equal(1, step.TraceCount);
    }

    [Fact]
    public void ChangingABakedHyperparameterOrLoadingOptimizerStateRecompiles()
    {
        var model = Mlp(7);
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var step = TrainStep.Compile(model, CrossEntropyLoss, optimizer);
        var (x, y) = Batch(1);
        step.Run(x, y);
        step.Run(x, y);
        Assert.Equal(1, step.TraceCount);
        optimizer.ParamGroups[0]["eps"] = 1e-6;
        step.Run(x, y);
        Assert.Equal(2, step.TraceCount);
        optimizer.LoadStateDict(optimizer.StateDict());        // new state tensors
        step.Run(x, y);
        Assert.Equal(3, step.TraceCount);
        Assert.Equal(4.0, optimizer.GetState(model.Parameters().First())!["step"]);
    }

    [Fact]
    public void AStateDictSnapshotDoesNotFollowLaterCompiledSteps()
    {
        var model = Mlp(8);
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var step = TrainStep.Compile(model, CrossEntropyLoss, optimizer);
        var (x, y) = Batch(2);
        for (int i = 0; i < 3; i++) step.Run(x, y);
        var snapshot = optimizer.StateDict();
        for (int i = 0; i < 2; i++) step.Run(x, y);
        Assert.Equal(3.0, snapshot.State[0]["step"]);
        Assert.Equal(5.0, optimizer.GetState(model.Parameters().First())!["step"]);
    }

    [Fact]
    public void ATraceThatReadsAValueOnTheHostIsRefused()
    {
        var model = Mlp(9);
        var optimizer = new Adam(model.Parameters());
        var step = TrainStep.Compile(model, (o, t) => Functional.CrossEntropy(o, t) * (o.Sum().Item() > 0 ? 1 : 2), optimizer);
        var (x, y) = Batch(3);
        var error = Assert.Throws<InvalidOperationException>(() => step.Run(x, y));
        Assert.Contains("on the host", error.Message);
    }

    [Fact]
    public void AnOptimizerWithoutAMultiTensorUpdateIsRefused()
    {
        var model = Mlp(10);
        var error = Assert.Throws<NotSupportedException>(() => TrainStep.Compile(model, CrossEntropyLoss, new RmsProp(model.Parameters())));
        Assert.Contains("RmsProp", error.Message);
    }

    [Fact]
    public void DynamicTracesEveryCallAndStillTrainsAsEager()
    {
        var eager = Mlp(11);
        var compiled = Mlp(11);
        var eagerOpt = new Adam(eager.Parameters(), lr: 1e-2);
        var compiledOpt = new Adam(compiled.Parameters(), lr: 1e-2);
        var step = TrainStep.Compile(compiled, CrossEntropyLoss, compiledOpt, dynamic: true);
        for (int i = 0; i < 4; i++)
        {
            var (x, y) = Batch(i);
            EagerStep(eager, eagerOpt, CrossEntropyLoss, x, y);
            step.Run(x, y);
        }
        Assert.Equal(4, step.TraceCount);
        AssertSameState(eager, compiled, "dynamic");
    }
}
