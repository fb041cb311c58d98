using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Callbacks;
using Avalon.Training.Checkpoints;
using Avalon.Training.Metrics;
using Avalon.Training.Progress;
using static Avalon.Nn.Functional;

namespace Avalon.Tests.Docs;

/// <summary>The snippets of docs/guide.md, compiled and run.</summary>
public class GuideExampleTests
{
    public sealed class Mlp : Module
    {
        public Linear Fc1 = new(4, 16);
        public Linear Fc2 = new(16, 3);

        public override Tensor Forward(Tensor x) => Fc2.Forward(Relu(Fc1.Forward(x)));
    }

    [Fact]
    public void TensorsAndGradients()
    {
        var x = Tensor.Randn([2, 3], new Generator(seed: 0));
        var y = Tensor.Arange(6.0).Reshape(2, 3);
        var z = (x * y + 1.0).Exp().Sum(1);
        var col = y[.., 1];
        var last = y[^1, 1..];
        Assert.Equal([2], z.Shape.ToArray());
        Assert.Equal(new float[] { 1, 4 }, col.ToArray<float>());
        Assert.Equal(new float[] { 4, 5 }, last.ToArray<float>());
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, y.ToArray<float>());

        var w = Tensor.Randn([3, 2], new Generator(1));
        var r = Grad.Of(a => a[0].MatMul(a[1]).Relu().Sum(), x, w);
        Assert.Equal(w.Shape, r.Gradients[1].Shape);
        Assert.Contains("matmul(%0, %1) : float32[2, 2]", r.Tape.ToString());
        var again = r.Tape.Run(x, w);
        Assert.Equal(r.Gradients[1].ToArray<float>(), again[2].ToArray<float>());

        var p = w.Detach().RequiresGrad_();
        x.MatMul(p).Relu().Sum().Backward();
        Assert.Equal(r.Gradients[1].ToArray<float>(), p.Grad!.ToArray<float>());
    }

    [Fact]
    public void RecurrentLayersAndPackedSequences()
    {
        var lstm = new LSTM(inputSize: 8, hiddenSize: 16, numLayers: 2, batchFirst: true, bidirectional: true);
        var x = Tensor.Randn([3, 5, 8], new Generator(seed: 0));   // 3 sequences of up to 5 steps
        var (output, (hN, cN)) = lstm.Forward(x, null);           // [3, 5, 32], [4, 3, 16], [4, 3, 16]
        var packed = RnnUtils.PackPaddedSequence(x, [5, 2, 4], batchFirst: true, enforceSorted: false);
        var (packedOut, (h, c)) = lstm.Forward(packed);           // h, c: each sequence after its own last step
        var (padded, lengths) = RnnUtils.PadPackedSequence(packedOut, batchFirst: true);

        Assert.Equal([3, 5, 32], output.Shape.ToArray());
        Assert.Equal([4, 3, 16], hN.Shape.ToArray());
        Assert.Equal([4, 3, 16], cN.Shape.ToArray());
        Assert.Equal([3, 5, 32], padded.Shape.ToArray());
        Assert.Equal([5L, 2, 4], lengths.ToArray<long>());
        Assert.Contains("weight_hh_l1_reverse", lstm.StateDict().Keys);
        // The longest sequence is not padded, so packing changes nothing for it.
        Nn.NnTestUtil.AssertClose(hN.Select(1, 0).ToDoubleArray(), h.Select(1, 0).ToDoubleArray(), "h_n of the longest sequence", 1e-6, 1e-7);
        Nn.NnTestUtil.AssertClose(cN.Select(1, 0).ToDoubleArray(), c.Select(1, 0).ToDoubleArray(), "c_n of the longest sequence", 1e-6, 1e-7);
        Assert.NotEqual(hN.Select(1, 1).ToArray<float>(), h.Select(1, 1).ToArray<float>());
    }

    [Fact]
    public void ModelsTrainingAndCheckpoints()
    {
        Generator.ManualSeed(3);
        var g = new Generator(5);
        // Three separable blobs in 4-D.
        var centers = Tensor.Randn([3, 4], g) * 3.0;
        var labels = Tensor.RandInt(0, 3, [300], g);
        var inputs = centers.IndexSelect(0, labels) + Tensor.Randn([300, 4], g) * 0.5;
        var trainSet = new TensorDataset(inputs.Narrow(0, 0, 240), labels.Narrow(0, 0, 240));
        var validationSet = new TensorDataset(inputs.Narrow(0, 240, 60), labels.Narrow(0, 240, 60));

        var model = new Mlp();
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], model.NamedParameters().Select(p => p.Key));
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var history = model.Fit(
            loss: (output, target) => CrossEntropy(output, target),
            optimizer: optimizer,
            train: trainSet,
            epochs: 5,
            batchSize: 32,
            validation: validationSet,
            metrics: [new Accuracy()],
            callbacks: [new EarlyStopping(patience: 2)],
            options: new FitOptions { Seed = 0, Progress = ProgressMode.Silent });
        Assert.True(history.Last!.ValidationMetrics["accuracy"] > 0.9, $"validation accuracy {history.Last!.ValidationMetrics["accuracy"]}");

        var dir = Directory.CreateTempSubdirectory("avalon-guide");
        try
        {
            history.SaveSvg(Path.Combine(dir.FullName, "curve.svg"), "MLP");
            var path = Path.Combine(dir.FullName, "mlp.safetensors");
            model.Save(path, optimizer);
            var restored = new Mlp();
            restored.Load(path);
            Assert.Equal(model.Fc2.Weight.ToArray<float>(), restored.Fc2.Weight.ToArray<float>());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ABatchBufferReusedUnderACompiledStepTrainsAsFreshBatchesDo()
    {
        // The guide's loop ("Convolutions and batches"), on a small MLP, against the same loop with fresh batches.
        var gen = new Generator(3);
        var trainImages = Tensor.Randn([40, 4], gen);
        var trainLabels = Tensor.From(Enumerable.Range(0, 40).Select(i => (long)(i % 3)).ToArray());
        long[] order = Enumerable.Range(0, 40).Select(i => (long)((i * 7) % 40)).ToArray();
        float[] Losses(bool reuse)
        {
            var model = new Mlp();
            using (new NoGrad())
                foreach (var p in model.Parameters()) p.Copy_(Tensor.Full(p.Shape.ToArray(), 0.01) * Tensor.Arange((double)p.Numel).Reshape(p.Shape.ToArray()).Sin());
            var step = TrainStep.Compile(model, (output, target) => CrossEntropy(output, target), new Adam(model.Parameters()));
            var images = Tensor.Zeros([10, 4], DType.Float32);
            var labels = Tensor.Zeros([10], DType.Int64);
            var losses = new List<float>();
            for (int s = 0; s < 4; s++)
            {
                var index = Tensor.From(order[(s * 10)..((s + 1) * 10)]);
                TrainStepResult r = reuse
                    ? step.Run(trainImages.IndexSelect(0, index, images), trainLabels.IndexSelect(0, index, labels))
                    : step.Run(trainImages.IndexSelect(0, index), trainLabels.IndexSelect(0, index));
                losses.Add(r.Loss.Item<float>());
            }
            return losses.ToArray();
        }
        var fresh = Losses(reuse: false);
        Assert.Equal(fresh, Losses(reuse: true));
        Assert.True(fresh[^1] != fresh[0], "the steps train");
    }
}
