using System.Text.Json;
using Avalon.Nn;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn;

/// <summary>
/// Linear, Bilinear, Identity, Flatten, Unflatten and Embedding against PyTorch's values in
/// Data/Reference/layers.json: load the case's parameters, run forward and backward with its
/// grad_output, and compare the output, the input gradients and the parameter gradients.
/// </summary>
public sealed class LayerReferenceTests
{
    private static readonly string[] s_kinds = ["Linear", "Bilinear", "Identity", "Flatten", "Unflatten", "Embedding"];

    public static IEnumerable<object[]> Cases()
    {
        var data = ReferenceData.Load("layers");
        foreach (var kind in s_kinds)
            foreach (var c in data.OfKind(kind))
                yield return [c.Name];
    }

    [Fact]
    public void EveryKindHasCases()
    {
        var data = ReferenceData.Load("layers");
        foreach (var kind in s_kinds) Assert.NotEmpty(data.OfKind(kind));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = ReferenceData.Load("layers")[name];
        var inputs = c.Tensors("inputs").Select(t => NnTestUtil.ToTensor(t!)).ToArray();
        var floatInput = inputs.FirstOrDefault(t => t.DType.IsFloatingPoint());
        var paramRefs = c.TensorMap("params");
        var dtype = paramRefs.Count > 0 ? NnTestUtil.ToTensor(paramRefs.Values.First()).DType : floatInput?.DType ?? DType.Float32;
        var module = Build(c, dtype);

        module.LoadStateDict(paramRefs.ToDictionary(kv => kv.Key, kv => NnTestUtil.ToTensor(kv.Value)));
        foreach (var x in inputs)
            if (x.DType.IsFloatingPoint()) x.RequiresGrad_();

        var output = module is Bilinear bilinear ? bilinear.Forward(inputs[0], inputs[1]) : module.Forward(inputs[0]);
        var (rtol, atol) = dtype == DType.Float64 ? (1e-10, 1e-12) : (1e-5, 1e-6);
        NnTestUtil.AssertClose(c.Tensor("output"), output, name + " output", rtol, atol);

        output.Backward(NnTestUtil.ToTensor(c.Tensor("grad_output")));
        var gradInputs = c.Tensors("grad_inputs");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (gradInputs[i] is null) continue;
            Assert.NotNull(inputs[i].Grad);
            NnTestUtil.AssertClose(gradInputs[i]!, inputs[i].Grad!, $"{name} grad of input {i}", rtol, atol);
        }
        var gradParams = c.TensorMap("grad_params");
        var named = module.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(gradParams.Keys.OrderBy(k => k), named.Keys.OrderBy(k => k));
        foreach (var (key, expected) in gradParams)
        {
            Assert.NotNull(named[key].Grad);
            NnTestUtil.AssertClose(expected, named[key].Grad!, $"{name} grad of {key}", rtol, atol);
        }
    }

    private static Module Build(ReferenceCase c, DType dtype) => c.Kind switch
    {
        "Linear" => new Linear(c.ArgInt("in_features", -1), c.ArgInt("out_features", -1), c.ArgBool("bias", true), dtype),
        "Bilinear" => new Bilinear(c.ArgInt("in1_features", -1), c.ArgInt("in2_features", -1), c.ArgInt("out_features", -1), c.ArgBool("bias", true), dtype),
        "Identity" => new Identity(),
        "Flatten" => new Flatten(c.ArgInt("start_dim", 1), c.ArgInt("end_dim", -1)),
        "Unflatten" => new Unflatten(c.ArgInt("dim", 0), c.Args.GetProperty("unflattened_size").EnumerateArray().Select(e => e.GetInt32()).ToArray()),
        "Embedding" => new Embedding(c.ArgInt("num_embeddings", -1), c.ArgInt("embedding_dim", -1),
            c.HasArg("padding_idx") && c.Args.GetProperty("padding_idx").ValueKind != JsonValueKind.Null ? c.ArgInt("padding_idx", 0) : null, dtype),
        _ => throw new NotSupportedException(c.Kind),
    };

    [Fact]
    public void LinearAcceptsInputsOfAnyRank()
    {
        var layer = new Linear(4, 3, generator: new Generator(1));
        var x = Tensor.Randn([2, 5, 4], new Generator(2));
        var y = layer.Forward(x);
        Assert.Equal(new Shape(2, 5, 3), y.Shape);
        // Row (1, 2) equals the 2-D result for that row.
        var row = layer.Forward(x.Select(0, 1).Select(0, 2).Unsqueeze(0));
        NnTestUtil.AssertClose(row.ToDoubleArray(), y.Select(0, 1).Select(0, 2).ToDoubleArray(), "row");
    }

    [Fact]
    public void LinearRejectsWrongFeatureSize()
    {
        var layer = new Linear(4, 3);
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(2, 5)));
        Assert.Contains("[2, 5]", ex.Message);
        Assert.Contains("in_features = 4", ex.Message);
    }

    [Fact]
    public void EmbeddingRejectsOutOfRangeIndices()
    {
        var layer = new Embedding(5, 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(Tensor.From(new long[] { 1, 5 })));
        Assert.Contains("index 5", ex.Message);
    }

    [Fact]
    public void EmbeddingPaddingRowStartsAtZeroAndGetsNoGradient()
    {
        var layer = new Embedding(4, 3, paddingIdx: -1, generator: new Generator(3));
        Assert.Equal(3, layer.PaddingIdx);
        Assert.All(layer.Weight.Select(0, 3).ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Contains(layer.Weight.Select(0, 0).ToArray<float>(), v => v != 0f);
        var y = layer.Forward(Tensor.From(new long[] { 3, 0, 3, 0 }, 2, 2));
        y.Sum().Backward();
        var g = layer.Weight.Grad!.ToArray<float>();
        Assert.Equal([2f, 2f, 2f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f], g);
        Assert.Equal("Embedding(4, 3, padding_idx=3)", layer.ToString());
    }

    [Fact]
    public void UnflattenChecksSizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Unflatten(1, [4, 2]).Forward(Tensor.Zeros(3, 6)));
        Assert.Contains("(4, 2)", ex.Message);
        Assert.Equal(new Shape(3, 2, 3), new Unflatten(1, [-1, 3]).Forward(Tensor.Zeros(3, 6)).Shape);
    }

    [Fact]
    public void ReprsMatchPyTorch()
    {
        Assert.Equal("Linear(in_features=800, out_features=500, bias=True)", new Linear(800, 500).ToString());
        Assert.Equal("Linear(in_features=5, out_features=3, bias=False)", new Linear(5, 3, bias: false).ToString());
        Assert.Equal("Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)", new Bilinear(3, 4, 2).ToString());
        Assert.Equal("Identity()", new Identity().ToString());
        Assert.Equal("Flatten(start_dim=1, end_dim=-1)", new Flatten().ToString());
        Assert.Equal("Unflatten(dim=1, unflattened_size=(2, 3))", new Unflatten(1, [2, 3]).ToString());
        Assert.Equal("Embedding(10, 4)", new Embedding(10, 4).ToString());
    }
}
