using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Callbacks;
using Avalon.Training.Metrics;
using Avalon.Training.Progress;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training;

public sealed class FitTests
{
    private static TrainingHistory TrainBlobs(out Mlp model, FitOptions? options = null, IReadOnlyList<ICallback>? callbacks = null, int epochs = 4)
    {
        model = new Mlp(2, 16, 2, seed: 1);
        var optimizer = new Adam(model.Parameters(), lr: 0.02);
        return model.Fit(CrossEntropy, optimizer, Blobs(400, seed: 2), epochs, batchSize: 32,
            validation: Blobs(200, seed: 3), metrics: [new Accuracy()], callbacks: callbacks, options: options ?? Quiet());
    }

    [Fact]
    public void SmallMlpLearnsSeparableData()
    {
        var history = TrainBlobs(out var model);

        Assert.Equal(4, history.Count);
        Assert.False(history.StoppedEarly);
        var last = history.Last!;
        Assert.True(last.Metrics["accuracy"] > 0.9, $"train accuracy {last.Metrics["accuracy"]}");
        Assert.True(last.ValidationMetrics["accuracy"] > 0.9, $"validation accuracy {last.ValidationMetrics["accuracy"]}");
        Assert.True(last.TrainLoss < history.Epochs[0].TrainLoss, "the training loss should fall");
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy", "lr"], history.Keys);
        Assert.Equal(last.ValidationLoss, last.Logs["val_loss"]);
        Assert.Equal(0.02, last.LearningRate);
        Assert.True(model.Training, "Fit leaves the model in the mode it found it in (training)");

        var evaluation = model.Evaluate(CrossEntropy, Blobs(200, seed: 3), batchSize: 64, metrics: [new Accuracy()]);
        Assert.Equal(last.ValidationLoss!.Value, evaluation.Loss, 6);
        Assert.Equal(last.ValidationMetrics["accuracy"], evaluation["accuracy"]);
        Assert.Equal(200, evaluation.Samples);
    }

    [Fact]
    public void SameSeedGivesIdenticalHistoriesAndWeights()
    {
        var first = TrainBlobs(out var a);
        var second = TrainBlobs(out var b);

        Assert.Equal(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++)
            Assert.Equal(first.Epochs[i].Logs, second.Epochs[i].Logs);
        Assert.Equal(Snapshot(a), Snapshot(b));

        var third = TrainBlobs(out _, Quiet(seed: 8));
        Assert.NotEqual(first.Epochs[0].TrainLoss, third.Epochs[0].TrainLoss);
    }

    [Fact]
    public void TrainingLossIsTheSampleWeightedMeanOfTheBatchLosses()
    {
        var batchLosses = new List<(double Loss, int Size)>();
        int seen = 0;
        var recorder = new LambdaCallback(onBatchEnd: c =>
        {
            int size = Math.Min(32, 100 - seen);
            seen += size;
            batchLosses.Add((c.BatchLoss, size));
        });
        var model = new Mlp(2, 8, 2, seed: 4);
        var history = model.Fit(CrossEntropy, new Sgd(model.Parameters(), lr: 0.1), Blobs(100, seed: 5), epochs: 1, batchSize: 32,
            callbacks: [recorder], options: Quiet());

        Assert.Equal(4, batchLosses.Count);   // 32 + 32 + 32 + 4
        double expected = batchLosses.Sum(b => b.Loss * b.Size) / 100;
        Assert.Equal(expected, history.Epochs[0].TrainLoss, 12);
    }

    [Fact]
    public void StepMatchesAHandWrittenLoop()
    {
        // Without shuffling, Fit must do exactly what the textbook loop does.
        var data = Blobs(64, seed: 6);
        var fitted = new Mlp(2, 8, 2, seed: 9);
        fitted.Fit(CrossEntropy, new Adam(fitted.Parameters(), lr: 0.01), data, epochs: 2, batchSize: 16,
            options: new FitOptions { Shuffle = false, Progress = ProgressMode.Silent });

        var manual = new Mlp(2, 8, 2, seed: 9);
        var optimizer = new Adam(manual.Parameters(), lr: 0.01);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            foreach (var (x, y) in new DataLoader(data, batchSize: 16))
            {
                optimizer.ZeroGrad(setToNone: true);
                CrossEntropy(manual.Forward(x), y).Backward();
                optimizer.Step();
            }
        }
        Assert.Equal(Snapshot(manual), Snapshot(fitted));
    }

    [Fact]
    public void LossModuleOverloadTrainsLikeTheFunction()
    {
        var data = Blobs(64, seed: 6);
        var withFunction = new Mlp(2, 8, 2, seed: 9);
        var h1 = withFunction.Fit(CrossEntropy, new Sgd(withFunction.Parameters(), lr: 0.1), data, epochs: 2, batchSize: 16, options: Quiet());
        var withModule = new Mlp(2, 8, 2, seed: 9);
        var h2 = withModule.Fit(new CrossEntropyModule(), new Sgd(withModule.Parameters(), lr: 0.1), data, epochs: 2, batchSize: 16, options: Quiet());

        Assert.Equal(h1.Series("loss"), h2.Series("loss"));
        Assert.Equal(Snapshot(withFunction), Snapshot(withModule));
        var evaluation = withModule.Evaluate(new CrossEntropyModule(), data);
        Assert.Equal(withFunction.Evaluate(CrossEntropy, data).Loss, evaluation.Loss);
    }

    [Fact]
    public void TrainsWithTheLibraryLossModuleAndFunction()
    {
        var data = Blobs(400, seed: 2);
        var withModule = new Mlp(2, 16, 2, seed: 1);
        var h1 = withModule.Fit(new CrossEntropyLoss(), new Adam(withModule.Parameters(), lr: 0.02), data, epochs: 3, batchSize: 32,
            metrics: [new Accuracy()], options: Quiet());
        var withFunction = new Mlp(2, 16, 2, seed: 1);
        var h2 = withFunction.Fit((o, t) => Functional.CrossEntropy(o, t), new Adam(withFunction.Parameters(), lr: 0.02), data, epochs: 3, batchSize: 32,
            metrics: [new Accuracy()], options: Quiet());
        var reference = new Mlp(2, 16, 2, seed: 1);
        var h3 = reference.Fit(CrossEntropy, new Adam(reference.Parameters(), lr: 0.02), data, epochs: 3, batchSize: 32, options: Quiet());

        Assert.True(h1.Last!.Metrics["accuracy"] > 0.9, $"accuracy {h1.Last.Metrics["accuracy"]}");
        Assert.Equal(h1.Series("loss"), h2.Series("loss"));
        for (int i = 0; i < 3; i++) Assert.Equal(h3.Epochs[i].TrainLoss, h1.Epochs[i].TrainLoss, 4);
    }

    [Fact]
    public void PlainProgressPrintsEpochLossAndAccuracyLines()
    {
        var output = new StringWriter();
        var clock = new FakeClock();
        var options = new FitOptions { Seed = 7, Progress = ProgressMode.Plain, ProgressOutput = output, Time = clock, LogEvery = 5 };
        TrainBlobs(out _, options, callbacks: [new LambdaCallback(onBatchEnd: _ => clock.Advance(TimeSpan.FromMilliseconds(10)))], epochs: 2);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var done = lines.Select((l, i) => (Line: l, Index: i)).Where(p => p.Line.Contains("done in", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, done.Length);
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            var (line, index) = done[epoch - 1];
            Assert.StartsWith($"epoch {epoch}/2 done in", line);
            Assert.Matches(@"loss \d\.\d{4}", line);
            Assert.Matches(@" accuracy \d\.\d{4}", line);
            Assert.Contains("samples/s", line);
            // The validation summary does not fit beside them in 80 columns: it follows on a line of its own.
            Assert.Matches(@"^val_loss \d\.\d{4}  val_accuracy \d\.\d{4}$", lines[index + 1]);
        }
        // 400 samples / 32 = 13 steps. The display prints when a step crosses a tenth of the epoch (step 10
        // does, step 5 does not); LogEvery = 5 adds a status line at steps 5 and 10.
        Assert.Single(lines, l => l.StartsWith("epoch 1/2 step  5/13", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.StartsWith("epoch 2/2 step 10/13", StringComparison.Ordinal) && l.Contains("ETA", StringComparison.Ordinal)));
    }

    [Fact]
    public void EvaluateAndPredictRestoreMixedTrainingModes()
    {
        var model = new Mlp(2, 8, 2, seed: 3);
        model.Train();
        model.Fc2.Eval();
        bool[] before = [.. model.Modules().Select(m => m.Training)];
        var seenModes = new List<bool>();
        var probe = new ProbeModule(model, seenModes);

        probe.Evaluate(CrossEntropy, Blobs(10, seed: 1), batchSize: 4);
        // Eager, so that every batch calls Forward (a compiled Predict calls it once per batch shape, while tracing).
        probe.Predict(Blobs(10, seed: 1), batchSize: 4, compile: false);
        probe.Predict(Tensor.Randn([10, 2], new Generator(1)), batchSize: 3, compile: false);

        Assert.Equal(before, model.Modules().Select(m => m.Training));
        Assert.All(seenModes, training => Assert.False(training));
        Assert.Equal(3 + 3 + 4, seenModes.Count);

        model.Eval();
        probe.Predict(Tensor.Randn([2, 2], new Generator(1)));
        Assert.All(model.Modules(), m => Assert.False(m.Training));
    }

    private sealed class ProbeModule(Mlp inner, List<bool> modes) : Module
    {
        public Mlp Inner = inner;

        public override Tensor Forward(Tensor input)
        {
            modes.Add(Inner.Fc1.Training || Inner.Fc2.Training || Training);
            Assert.False(Avalon.Autodiff.GradMode.IsEnabled);
            return Inner.Forward(input);
        }
    }

    [Fact]
    public void PredictConcatenatesBatchesInOrder()
    {
        var model = new Mlp(2, 8, 3, seed: 3);
        var input = Tensor.Randn([10, 2], new Generator(4));
        var whole = model.Predict(input, batchSize: 100);
        var batched = model.Predict(input, batchSize: 3);
        var fromDataset = model.Predict(new TensorDataset(input, Tensor.Zeros([10], DType.Int64)), batchSize: 4);

        Assert.Equal(new Shape(10, 3), batched.Shape);
        Assert.False(batched.RequiresGrad);
        Assert.Equal(whole.ToDoubleArray(), batched.ToDoubleArray());
        Assert.Equal(whole.ToDoubleArray(), fromDataset.ToDoubleArray());
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var optimizer = new Sgd(model.Parameters(), lr: 0.1);
        var data = Blobs(8, seed: 1);

        var epochs = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(CrossEntropy, optimizer, data, epochs: 0, batchSize: 4));
        Assert.Contains("epochs must be at least 1", epochs.Message);

        var notScalar = Assert.Throws<InvalidOperationException>(() =>
            model.Fit((o, t) => o.LogSoftmax(1), optimizer, data, epochs: 1, batchSize: 4, options: Quiet()));
        Assert.Contains("shape [4, 2]", notScalar.Message);
        Assert.Contains("single floating-point value", notScalar.Message);

        var noBatches = Assert.Throws<ArgumentException>(() =>
            model.Fit(CrossEntropy, optimizer, data, epochs: 1, batchSize: 16, options: new FitOptions { DropLast = true, Progress = ProgressMode.Silent }));
        Assert.Contains("no batches (8 samples, batch size 16, DropLast)", noBatches.Message);

        var twice = Assert.Throws<ArgumentException>(() =>
            model.Fit(CrossEntropy, optimizer, data, epochs: 1, batchSize: 4, metrics: [new Accuracy(), new Accuracy()], options: Quiet()));
        Assert.Contains("two metrics are named 'accuracy'", twice.Message);

        var both = Assert.Throws<ArgumentException>(() =>
            model.Fit(CrossEntropy, optimizer, data, epochs: 1, batchSize: 4, options: new FitOptions { Seed = 1, Generator = new Generator(1) }));
        Assert.Contains("both Generator and Seed", both.Message);

        var notLoss = Assert.Throws<ArgumentException>(() => model.Fit(new Linear(2, 2), optimizer, data, epochs: 1, batchSize: 4));
        Assert.Contains("Linear has no public 'Tensor Forward(Tensor input, Tensor target)'", notLoss.Message);

        model.RequiresGrad_(false);
        var frozen = Assert.Throws<InvalidOperationException>(() => model.Fit(CrossEntropy, optimizer, data, epochs: 1, batchSize: 4, options: Quiet()));
        Assert.Contains("does not depend on any tensor that requires a gradient", frozen.Message);
    }

    [Fact]
    public void HistoryDrawsCurves()
    {
        var history = TrainBlobs(out _, epochs: 3);
        string folder = Directory.CreateTempSubdirectory("avalon-fit-").FullName;
        try
        {
            string path = Path.Combine(folder, "training.svg");
            history.SaveSvg(path, title: "blobs");
            string svg = File.ReadAllText(path);
            Assert.StartsWith("<svg", svg);
            Assert.Contains("Accuracy", svg);
            Assert.Contains("blobs", svg);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        var text = history.ToText();
        Assert.Contains("train loss", text);
        Assert.Contains("validation accuracy", text);
        Assert.Equal(history.Epochs.Select(e => e.ValidationLoss!.Value), history.Series("val_loss"));
        Assert.Throws<KeyNotFoundException>(() => history.Series("val_f1"));
    }
}
