using Avalon.Autodiff;
using Avalon.Samples.Common;
using Avalon.Samples.RealNvp;
using Avalon.Samples.ResNet18;

namespace Avalon.Samples.Tests;

public class ModelTests
{
    [Fact]
    public void ResNet18HasTorchvisionsStateDictKeysShapesAndSize()
    {
        // torchvision.models.resnet18(): conv1/bn1, layer1-4 of two BasicBlocks (downsample in the first
        // block of layers 2-4), fc; 11,689,512 parameters with 1000 classes.
        var expected = new List<string> { "conv1.weight" };
        static IEnumerable<string> Bn(string p) => new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }.Select(s => $"{p}.{s}");
        expected.AddRange(Bn("bn1"));
        for (int layer = 1; layer <= 4; layer++)
        for (int block = 0; block < 2; block++)
        {
            string p = $"layer{layer}.{block}";
            expected.Add($"{p}.conv1.weight");
            expected.AddRange(Bn($"{p}.bn1"));
            expected.Add($"{p}.conv2.weight");
            expected.AddRange(Bn($"{p}.bn2"));
            if (layer > 1 && block == 0)
            {
                expected.Add($"{p}.downsample.0.weight");
                expected.AddRange(Bn($"{p}.downsample.1"));
            }
        }
        expected.AddRange(["fc.weight", "fc.bias"]);
        var model = new ResNet();
        var state = model.StateDict();
        Assert.Equal(expected.Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(11_689_512, model.ParameterCount);
        Assert.Equal([64, 3, 7, 7], state["conv1.weight"].Shape.ToArray());
        Assert.Equal([128, 64, 1, 1], state["layer2.0.downsample.0.weight"].Shape.ToArray());
        Assert.Equal([1000, 512], state["fc.weight"].Shape.ToArray());
    }

    [Fact]
    public void ResNet18ClassifiesGreyImagesThroughTheTorchvisionStem()
    {
        var model = new ResNet(numClasses: 10) { GreyInputSize = 32 };
        model.Eval();
        using var noGrad = new NoGrad();
        Assert.Equal([2, 10], model.Forward(Tensor.Rand([2, 1, 28, 28], new Generator(1))).Shape.ToArray());
    }

    [Fact]
    public void RealNvpInverseUndoesTheFlowAndLogDetMatchesTheJacobian()
    {
        Tensor.DefaultDType = DType.Float64;
        try
        {
            var flow = new RealNvpFlow(couplings: 4, hidden: 16);
            var x = Tensor.Randn([5, 2], new Generator(2), DType.Float64);
            var z = flow.Forward(x);
            var back = z;
            for (int i = flow.Layers.Count - 1; i >= 0; i--) back = ((AffineCoupling)flow.Layers[i]).Inverse(back);
            var (xs, bs) = (x.ToDoubleArray(), back.ToDoubleArray());
            for (int i = 0; i < xs.Length; i++) Assert.Equal(xs[i], bs[i], 1e-9);

            // log p(x) = log N(f(x)) + log |det J|: compare with the determinant of a finite-difference Jacobian.
            var logProb = flow.LogProb(x).ToDoubleArray();
            const double eps = 1e-6;
            for (int row = 0; row < 5; row++)
            {
                var j = new double[2, 2];
                for (int k = 0; k < 2; k++)
                {
                    var xr = x.ToDoubleArray();
                    var p = (double[])xr.Clone();
                    var m = (double[])xr.Clone();
                    p[row * 2 + k] += eps;
                    m[row * 2 + k] -= eps;
                    var fp = flow.Forward(Tensor.From(p, 5, 2)).ToDoubleArray();
                    var fm = flow.Forward(Tensor.From(m, 5, 2)).ToDoubleArray();
                    for (int i = 0; i < 2; i++) j[i, k] = (fp[row * 2 + i] - fm[row * 2 + i]) / (2 * eps);
                }
                var zr = z.ToDoubleArray();
                double logNormal = -0.5 * (zr[row * 2] * zr[row * 2] + zr[row * 2 + 1] * zr[row * 2 + 1]) - Math.Log(2 * Math.PI);
                double expected = logNormal + Math.Log(Math.Abs(j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0]));
                Assert.Equal(expected, logProb[row], 1e-6);
            }
        }
        finally
        {
            Tensor.DefaultDType = DType.Float32;
        }
    }

    [Fact]
    public void TheEmbeddedCorpusIsTheJargonFile()
    {
        var corpus = CharCorpus.Jargon();
        Assert.InRange(corpus.Text.Length, 300_000, 500_000);
        Assert.StartsWith(":(TM):", corpus.Text);
        Assert.Contains(":baroque: adj.", corpus.Text);
        Assert.Equal(corpus.Text[..200], corpus.Decode(corpus.Encode(corpus.Text[..200])));
    }
}
