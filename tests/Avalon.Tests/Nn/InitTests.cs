using Avalon.Nn;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn;

/// <summary>
/// Initialisers against Data/Reference/init.json: gains and fans exactly, eye_/dirac_ outputs exactly,
/// random initialisers statistically (bounds, mean and std of large samples).
/// </summary>
public sealed class InitTests
{
    private static ReferenceData Data => ReferenceData.Load("init");

    private static int[] ShapeArg(ReferenceCase c) => c.Args.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static IEnumerable<object[]> CasesOf(string kind) => Data.OfKind(kind).Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(CasesOf), "calculate_gain")]
    public void GainMatches(string name)
    {
        var c = Data[name];
        var p = c.Args.GetProperty("param");
        double? param = p.ValueKind == System.Text.Json.JsonValueKind.Null ? null : p.GetDouble();
        Assert.Equal(c.Number("value"), Init.CalculateGain(c.ArgString("nonlinearity", ""), param), 14);
    }

    [Fact]
    public void UnknownNonlinearityIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Init.CalculateGain("swish"));
        Assert.Contains("'swish'", ex.Message);
    }

    [Theory]
    [MemberData(nameof(CasesOf), "fan_in_and_fan_out")]
    public void FansMatch(string name)
    {
        var c = Data[name];
        var shape = ShapeArg(c);
        if (c.Has("error"))
        {
            var ex = Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut(new Shape(shape)));
            Assert.StartsWith(c.Json.GetProperty("error").GetString()!, ex.Message);
            return;
        }
        var (fanIn, fanOut) = Init.CalculateFanInAndFanOut(Tensor.Zeros(shape));
        Assert.Equal((int)c.Number("fan_in"), fanIn);
        Assert.Equal((int)c.Number("fan_out"), fanOut);
    }

    public static IEnumerable<object[]> RandomCases() =>
        Data.Cases.Where(c => c.Kind is "kaiming_uniform_" or "kaiming_normal_" or "xavier_uniform_" or "xavier_normal_")
            .Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(RandomCases))]
    public void RandomInitialisersHaveTheRecordedBoundOrStd(string name)
    {
        var c = Data[name];
        var shape = ShapeArg(c);
        // Repeat the case's leading dim so that the sample is large while the fans stay the same.
        var big = Tensor.Zeros([shape[0], .. shape[1..]]);
        var samples = new List<double>();
        var g = new Generator(42);
        for (int rep = 0; rep < 4000 / big.Numel + 1; rep++)
        {
            switch (c.Kind)
            {
                case "kaiming_uniform_": Init.KaimingUniform_(big, c.ArgDouble("a", 0), c.ArgString("mode", "fan_in"), c.ArgString("nonlinearity", "leaky_relu"), g); break;
                case "kaiming_normal_": Init.KaimingNormal_(big, c.ArgDouble("a", 0), c.ArgString("mode", "fan_in"), c.ArgString("nonlinearity", "leaky_relu"), g); break;
                case "xavier_uniform_": Init.XavierUniform_(big, c.ArgDouble("gain", 1), g); break;
                default: Init.XavierNormal_(big, c.ArgDouble("gain", 1), g); break;
            }
            samples.AddRange(big.ToDoubleArray());
        }
        int n = samples.Count;
        double mean = samples.Average();
        double std = Math.Sqrt(samples.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        if (c.Kind.EndsWith("uniform_", StringComparison.Ordinal))
        {
            double bound = c.Number("bound");
            Assert.All(samples, v => Assert.InRange(v, -bound * (1 + 1e-7), bound * (1 + 1e-7)));
            Assert.InRange(samples.Max(), 0.97 * bound, bound * (1 + 1e-7));
            Assert.InRange(std, bound / Math.Sqrt(3) * 0.95, bound / Math.Sqrt(3) * 1.05);
            Assert.InRange(mean, -0.05 * bound, 0.05 * bound);
        }
        else
        {
            double expected = c.Number("std");
            Assert.InRange(std, expected * 0.95, expected * 1.05);
            Assert.InRange(mean, -0.05 * expected, 0.05 * expected);
        }
    }

    [Theory]
    [MemberData(nameof(CasesOf), "eye_")]
    [MemberData(nameof(CasesOf), "dirac_")]
    public void EyeAndDiracMatchExactly(string name)
    {
        var c = Data[name];
        var t = Tensor.Full(ShapeArg(c), 5.0);
        if (c.Kind == "eye_") Init.Eye_(t);
        else Init.Dirac_(t, c.ArgInt("groups", 1));
        Assert.Equal(c.Tensor("output").Data, t.ToDoubleArray());
    }

    public static IEnumerable<object[]> DefaultInitCases() =>
        Data.OfKind("default_init").Where(c => c.ArgString("module", "") is "Linear" or "Bilinear" or "Embedding")
            .Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(DefaultInitCases))]
    public void LayersInitialiseLikePyTorch(string name)
    {
        var c = Data[name];
        var g = new Generator(7);
        var samples = new Dictionary<string, List<double>>();
        for (int rep = 0; rep < 200; rep++)
        {
            Module m = c.ArgString("module", "") switch
            {
                "Linear" => new Linear(c.ArgInt("in_features", 0), c.ArgInt("out_features", 0), generator: g),
                "Bilinear" => new Bilinear(c.ArgInt("in1_features", 0), c.ArgInt("in2_features", 0), c.ArgInt("out_features", 0), generator: g),
                _ => new Embedding(c.ArgInt("num_embeddings", 0), c.ArgInt("embedding_dim", 0), generator: g),
            };
            foreach (var (key, p) in m.NamedParameters())
            {
                if (!samples.TryGetValue(key, out var list)) samples[key] = list = [];
                list.AddRange(p.ToDoubleArray());
            }
        }
        var expected = c.Json.GetProperty("params");
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(), samples.Keys.Order());
        foreach (var p in expected.EnumerateObject())
        {
            var values = samples[p.Name];
            double mean = values.Average();
            double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
            if (p.Value.GetProperty("distribution").GetString() == "uniform")
            {
                double bound = p.Value.GetProperty("bound").GetDouble();
                Assert.All(values, v => Assert.InRange(v, -bound * (1 + 1e-6), bound * (1 + 1e-6)));
                Assert.InRange(std, bound / Math.Sqrt(3) * 0.93, bound / Math.Sqrt(3) * 1.07);
            }
            else
            {
                Assert.InRange(std, p.Value.GetProperty("std").GetDouble() * 0.95, p.Value.GetProperty("std").GetDouble() * 1.05);
                Assert.InRange(mean, -0.05, 0.05);
            }
        }
    }

    [Fact]
    public void SameSeedGivesSameWeights()
    {
        var a = new Linear(5, 4, generator: new Generator(123));
        var b = new Linear(5, 4, generator: new Generator(123));
        var c = new Linear(5, 4, generator: new Generator(124));
        Assert.Equal(a.Weight.ToArray<float>(), b.Weight.ToArray<float>());
        Assert.NotEqual(a.Weight.ToArray<float>(), c.Weight.ToArray<float>());
    }

    [Theory]
    [InlineData(6, 4)]
    [InlineData(3, 7)]
    [InlineData(5, 5)]
    public void OrthogonalGivesOrthonormalRowsOrColumns(int rows, int cols)
    {
        var t = Tensor.Zeros([rows, cols], DType.Float64);
        Init.Orthogonal_(t, gain: 2, generator: new Generator(5));
        var m = t.ToArray<double>();
        bool byColumns = rows >= cols;
        int n = byColumns ? cols : rows, len = byColumns ? rows : cols;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < len; k++)
                    dot += byColumns ? m[k * cols + i] * m[k * cols + j] : m[i * cols + k] * m[j * cols + k];
                Assert.Equal(i == j ? 4.0 : 0.0, dot, 10);
            }
    }

    [Fact]
    public void OrthogonalViewsHigherRankTensorsAsMatrices()
    {
        var t = Tensor.Zeros(4, 2, 3);
        Init.Orthogonal_(t, generator: new Generator(8));
        var m = t.ToArray<float>();
        for (int i = 0; i < 4; i++)
        {
            double norm = 0;
            for (int k = 0; k < 6; k++) norm += m[i * 6 + k] * m[i * 6 + k];
            Assert.Equal(1.0, norm, 5);
        }
        Assert.Throws<ArgumentException>(() => Init.Orthogonal_(Tensor.Zeros(3)));
    }

    [Fact]
    public void TruncNormalStaysInsideTheInterval()
    {
        var t = Tensor.Zeros([20000], DType.Float64);
        Init.TruncNormal_(t, mean: 1, std: 2, a: 0, b: 3, generator: new Generator(9));
        var v = t.ToArray<double>();
        Assert.All(v, x => Assert.InRange(x, 0, 3));
        // Truncating N(1, 2²) to [0, 3]: mean 1 + 2·(φ(-0.5) - φ(1)) / (Φ(1) - Φ(-0.5)).
        double phi(double z) => Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI);
        double expectedMean = 1 + 2 * (phi(-0.5) - phi(1)) / (Init.NormalCdf(1) - Init.NormalCdf(-0.5));
        Assert.InRange(v.Average(), expectedMean - 0.03, expectedMean + 0.03);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.8413447460685429)]
    [InlineData(-2.0, 0.022750131948179195)]
    [InlineData(-6.0, 9.865876450376946e-10)]
    [InlineData(3.0, 0.9986501019683699)]
    public void NormalCdfAndItsInverse(double z, double p)
    {
        Assert.Equal(p, Init.NormalCdf(z), 1e-14 + 1e-12 * p);
        Assert.Equal(z, Init.InverseNormalCdf(p), 1e-9);
    }

    [Fact]
    public void ConstantsAndUniformNormal()
    {
        var t = Tensor.Zeros(3, 4);
        Init.Constant_(t, 2.5);
        Assert.All(t.ToArray<float>(), v => Assert.Equal(2.5f, v));
        Init.Ones_(t);
        Assert.All(t.ToArray<float>(), v => Assert.Equal(1f, v));
        Init.Uniform_(t, -1, 3, new Generator(1));
        Assert.All(t.ToArray<float>(), v => Assert.InRange(v, -1f, 3f));
        var big = Tensor.Zeros(10000);
        Init.Normal_(big, 2, 0.5, new Generator(2));
        Assert.InRange(big.ToDoubleArray().Average(), 1.98, 2.02);
        Assert.Throws<ArgumentException>(() => Init.Uniform_(Tensor.Zeros([2], DType.Int64)));
    }
}
