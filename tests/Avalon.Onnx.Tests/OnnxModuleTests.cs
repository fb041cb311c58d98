using Avalon.Nn;
using Avalon.Optim;
using Google.Protobuf;
using static Avalon.Onnx.Tests.OnnxModelBuilder;

namespace Avalon.Onnx.Tests;

public class OnnxModuleTests
{
    private static double[] RandomValues(int n, int seed)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.NextDouble() * 2 - 1;
        return v;
    }

    /// <summary>x [3, 4] → Gemm(W1ᵀ, b1) → Relu → Gemm(W2ᵀ, b2) → y [3, 2], all float64.</summary>
    private static (OnnxModelBuilder Builder, double[] W1, double[] B1, double[] W2, double[] B2) Mlp()
    {
        var w1 = RandomValues(20, 1); var b1 = RandomValues(5, 2); var w2 = RandomValues(10, 3); var b2 = RandomValues(2, 4);
        var b = new OnnxModelBuilder()
            .Input("x", 11, -1, 4).Output("y", 11)
            .Initializer("fc1.weight", Tensor.From(w1, 5, 4)).Initializer("fc1.bias", Tensor.From(b1, 5))
            .Initializer("fc2.weight", Tensor.From(w2, 2, 5)).Initializer("fc2.bias", Tensor.From(b2, 2))
            .Node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["h"], Int("transB", 1))
            .Node("Relu", ["h"], ["r"])
            .Node("Gemm", ["r", "fc2.weight", "fc2.bias"], ["y"], Int("transB", 1));
        return (b, w1, b1, w2, b2);
    }

    private static double[] NaiveMlp(double[] x, int rows, double[] w1, double[] b1, double[] w2, double[] b2)
    {
        var y = new double[rows * 2];
        for (int r = 0; r < rows; r++)
        {
            var h = new double[5];
            for (int j = 0; j < 5; j++)
            {
                double s = b1[j];
                for (int k = 0; k < 4; k++) s += x[r * 4 + k] * w1[j * 4 + k];
                h[j] = Math.Max(0, s);
            }
            for (int j = 0; j < 2; j++)
            {
                double s = b2[j];
                for (int k = 0; k < 5; k++) s += h[k] * w2[j * 5 + k];
                y[r * 2 + j] = s;
            }
        }
        return y;
    }

    [Fact]
    public void ForwardMatchesNaiveLoops()
    {
        var (builder, w1, b1, w2, b2) = Mlp();
        var module = builder.Load();
        var x = RandomValues(12, 5);
        var y = module.Forward(Tensor.From(x, 3, 4)).ToArray<double>();
        var expected = NaiveMlp(x, 3, w1, b1, w2, b2);
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 12);
    }

    [Fact]
    public void InitialisersAreNamedParametersUnderTheirOnnxNames()
    {
        var module = Mlp().Builder.Load();
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], module.NamedParameters().Select(p => p.Key).ToArray());
        Assert.All(module.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.Equal(20 + 5 + 10 + 2, module.ParameterCount);
        Assert.Equal(["x"], module.InputNames);
        Assert.Contains("OnnxModule(opset=17, inputs=[x], outputs=[y], nodes=3)", module.ToString());
    }

    [Fact]
    public void GradientsReachTheInitialisersAndMatchFiniteDifferences()
    {
        var module = Mlp().Builder.Load();
        var x = Tensor.From(RandomValues(12, 6), 3, 4);
        var loss = module.Forward(x).Square().Sum();
        loss.Backward();
        var w1 = module.NamedParameters().First(p => p.Key == "fc1.weight").Value;
        var grad = w1.Grad!.ToArray<double>();
        var values = w1.ToArray<double>();
        const double h = 1e-6;
        foreach (int i in new[] { 0, 7, 13, 19 })
        {
            double Loss(double delta)
            {
                var changed = (double[])values.Clone();
                changed[i] += delta;
                // Replacing a parameter goes through the module's tensor slots (SetState).
                module.SetState(new Dictionary<string, Tensor> { ["fc1.weight"] = Tensor.From(changed, 5, 4) }, strict: false);
                return module.Forward(x).Square().Sum().Item();
            }
            double numeric = (Loss(h) - Loss(-h)) / (2 * h);
            Assert.Equal(numeric, grad[i], 5);
        }
    }

    [Fact]
    public void StateDictRoundTripsIntoAFreshImport()
    {
        var a = Mlp().Builder.Load();
        var b = Mlp().Builder.Load();
        var changed = a.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Detach() * 2);
        b.LoadStateDict(changed);
        var x = Tensor.From(RandomValues(8, 9), 2, 4);
        var direct = NaiveMlp(x.ToArray<double>(), 2,
            changed["fc1.weight"].ToArray<double>(), changed["fc1.bias"].ToArray<double>(),
            changed["fc2.weight"].ToArray<double>(), changed["fc2.bias"].ToArray<double>());
        var y = b.Forward(x).ToArray<double>();
        for (int i = 0; i < y.Length; i++) Assert.Equal(direct[i], y[i], 12);
    }

    [Fact]
    public void StateKeysSanitiseInvalidCharactersDeterministically()
    {
        Assert.Equal("conv1.weight", OnnxStateKeys.Sanitize("conv1.weight"));
        Assert.Equal("onnx__Conv_12", OnnxStateKeys.Sanitize("onnx::Conv_12"));
        Assert.Equal("_fc_MatMul", OnnxStateKeys.Sanitize("/fc/MatMul"));
        Assert.Equal("a._.b", OnnxStateKeys.Sanitize("a..b"));
        Assert.Equal(["a_b", "a_b_1", "a_b_2", "c"], OnnxStateKeys.Assign(["a/b", "a_b", "a:b", "c"]));

        var module = new OnnxModelBuilder().Input("x", 1, 2).Output("y")
            .Initializer("onnx::Add_1", Tensor.From(new float[] { 1, 2 }, 2))
            .Initializer("steps", Tensor.From(new long[] { 3 }, 1))
            .Node("Add", ["x", "onnx::Add_1"], ["y"]).Load();
        Assert.Equal(["onnx__Add_1"], module.NamedParameters().Select(p => p.Key).ToArray());
        Assert.Equal(["steps"], module.NamedBuffers().Select(p => p.Key).ToArray());
        Assert.Equal("onnx__Add_1", module.StateKeys["onnx::Add_1"]);
    }

    private sealed class FineTuned : Module
    {
        public FineTuned(OnnxModule backbone)
        {
            Backbone = backbone;
            Head = new Linear(2, 1, dtype: DType.Float64);
        }

        public OnnxModule Backbone { get; }

        public Linear Head { get; }

        public override Tensor Forward(Tensor input) => Head.Forward(Backbone.Forward(input));
    }

    [Fact]
    public void AnImportedModelFineTunesAsAFieldOfAUserModel()
    {
        var backbone = Mlp().Builder.Load();
        var model = new FineTuned(backbone);
        Assert.Contains("backbone.fc1.weight", model.StateDict().Keys);
        Assert.Contains("head.weight", model.StateDict().Keys);
        backbone.RequiresGrad_(false);
        var frozen = backbone.Parameters().Select(p => p.ToArray<double>()).ToList();
        var x = Tensor.From(RandomValues(24, 10), 6, 4);
        var target = Tensor.From(RandomValues(6, 11), 6, 1);
        var optimizer = new Sgd(model.Head.Parameters(), lr: 0.1);
        double first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            optimizer.ZeroGrad();
            var loss = (model.Forward(x) - target).Square().Mean();
            loss.Backward();
            optimizer.Step();
            if (step == 0) first = loss.Item();
            last = loss.Item();
        }
        Assert.True(last < first * 0.9, $"loss went from {first} to {last}");
        var after = backbone.Parameters().Select(p => p.ToArray<double>()).ToList();
        for (int i = 0; i < frozen.Count; i++) Assert.Equal(frozen[i], after[i]);
        Assert.All(backbone.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void DynamicBatchThroughTheExportersShapeSubgraph()
    {
        // torch.onnx's flatten: Shape → Gather(0) → Unsqueeze → Concat(-1) → Reshape.
        var module = new OnnxModelBuilder(13).Input("x", 1, -1, 2, 3).Output("y")
            .Initializer("zero", Tensor.Scalar(0, DType.Int64))
            .Initializer("axes", Tensor.From(new long[] { 0 }, 1))
            .Initializer("minus_one", Tensor.From(new long[] { -1 }, 1))
            .Node("Shape", ["x"], ["s"])
            .Node("Gather", ["s", "zero"], ["n"], Int("axis", 0))
            .Node("Unsqueeze", ["n", "axes"], ["n1"])
            .Node("Concat", ["n1", "minus_one"], ["shape"], Int("axis", 0))
            .Node("Reshape", ["x", "shape"], ["y"]).Load();
        foreach (int batch in new[] { 1, 2, 5 })
        {
            var values = RandomValues(batch * 6, batch).Select(v => (float)v).ToArray();
            var y = module.Forward(Tensor.From(values, batch, 2, 3));
            Assert.Equal([batch, 6], y.Shape.ToArray());
            Assert.Equal(values, y.ToArray<float>());
        }
    }

    [Fact]
    public void UnsupportedOperatorNamesTheOperatorTheNodeAndTheOpset()
    {
        var bytes = new OnnxModelBuilder(16).Input("x").Output("y").Node("GridSampleX", ["x"], ["y"]).Bytes();
        var e = Assert.Throws<UnsupportedOnnxOperatorException>(() => OnnxModule.Load(bytes));
        Assert.Contains("'GridSampleX'", e.Message);
        Assert.Contains("node 'y_node'", e.Message);
        Assert.Contains("opset 16", e.Message);
        Assert.Equal("GridSampleX", e.OpType);
    }

    [Fact]
    public void NotAModelIsAnInvalidDataException()
    {
        Assert.Throws<InvalidDataException>(() => OnnxModule.Load(new byte[] { 0xff, 0xff, 0xff, 0x01, 0x02 }));
    }

    private static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "avalon-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static global::Onnx.TensorProto ExternalWeight(string location, float[] values)
    {
        var proto = new global::Onnx.TensorProto { Name = "w", DataType = 1, DataLocation = global::Onnx.TensorProto.Types.DataLocation.External };
        proto.Dims.Add(values.Length);
        proto.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "location", Value = location });
        proto.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "offset", Value = "8" });
        proto.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "length", Value = (values.Length * 4).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return proto;
    }

    [Fact]
    public void ExternalDataIsReadRelativeToTheModelsFolder()
    {
        var dir = TempFolder();
        try
        {
            float[] w = [1.5f, -2, 3.25f];
            var data = new byte[8 + 12];
            Buffer.BlockCopy(w, 0, data, 8, 12);
            Directory.CreateDirectory(Path.Combine(dir, "weights"));
            File.WriteAllBytes(Path.Combine(dir, "weights", "w.bin"), data);
            var model = new OnnxModelBuilder().Input("x", 1, 3).Output("y").Initializer(ExternalWeight("weights/w.bin", w)).Node("Mul", ["x", "w"], ["y"]).Build();
            File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model.ToByteArray());
            var module = OnnxModule.Load(Path.Combine(dir, "model.onnx"));
            Assert.Equal(new float[] { 1.5f, -4, 9.75f }, module.Forward(Tensor.From(new float[] { 1, 2, 3 }, 3)).ToArray<float>());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("../w.bin")]
    [InlineData("sub/../../w.bin")]
    [InlineData("/etc/passwd")]
    public void ExternalDataPathsOutsideTheModelsFolderAreRefused(string location)
    {
        var dir = TempFolder();
        try
        {
            var model = new OnnxModelBuilder().Input("x", 1, 3).Output("y").Initializer(ExternalWeight(location, [1, 2, 3])).Node("Mul", ["x", "w"], ["y"]).Build();
            File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model.ToByteArray());
            var e = Assert.Throws<InvalidDataException>(() => OnnxModule.Load(Path.Combine(dir, "model.onnx")));
            Assert.Contains(location, e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    public static TheoryData<string, long, long> OpsetPairs => new()
    {
        { "Slice", 9, 13 }, { "Squeeze", 11, 13 }, { "Unsqueeze", 11, 13 }, { "ReduceSum", 11, 13 },
        { "ReduceMean", 13, 18 }, { "Split", 11, 13 }, { "Clip", 10, 13 }, { "Pad", 10, 13 },
    };

    /// <summary>The same operation written with attributes (older opset) and with inputs (newer opset) gives the same, hand-computed values.</summary>
    [Theory]
    [MemberData(nameof(OpsetPairs))]
    public void AttributesAndInputsAcrossOpsetsAgree(string op, long oldOpset, long newOpset)
    {
        var x = Tensor.From(Enumerable.Range(0, 12).Select(i => (float)i - 5).ToArray(), 1, 3, 4);
        var (oldModel, newModel) = op switch
        {
            "Slice" => (new OnnxModelBuilder(oldOpset).Node("Slice", ["x"], ["y"], Ints("starts", 1, 0), Ints("ends", 3, 4), Ints("axes", 1, 2)),
                        new OnnxModelBuilder(newOpset).Initializer("s", L(1, 0)).Initializer("e", L(3, 4)).Initializer("a", L(1, 2)).Initializer("st", L(1, 1))
                            .Node("Slice", ["x", "s", "e", "a", "st"], ["y"])),
            "Squeeze" => (new OnnxModelBuilder(oldOpset).Node("Squeeze", ["x"], ["y"], Ints("axes", 0)),
                          new OnnxModelBuilder(newOpset).Initializer("a", L(0)).Node("Squeeze", ["x", "a"], ["y"])),
            "Unsqueeze" => (new OnnxModelBuilder(oldOpset).Node("Unsqueeze", ["x"], ["y"], Ints("axes", 1, -1)),
                            new OnnxModelBuilder(newOpset).Initializer("a", L(1, -1)).Node("Unsqueeze", ["x", "a"], ["y"])),
            "ReduceSum" => (new OnnxModelBuilder(oldOpset).Node("ReduceSum", ["x"], ["y"], Ints("axes", 2), Int("keepdims", 0)),
                            new OnnxModelBuilder(newOpset).Initializer("a", L(2)).Node("ReduceSum", ["x", "a"], ["y"], Int("keepdims", 0))),
            "ReduceMean" => (new OnnxModelBuilder(oldOpset).Node("ReduceMean", ["x"], ["y"], Ints("axes", 1)),
                             new OnnxModelBuilder(newOpset).Initializer("a", L(1)).Node("ReduceMean", ["x", "a"], ["y"])),
            "Split" => (new OnnxModelBuilder(oldOpset).Node("Split", ["x"], ["y", "z"], Int("axis", 2), Ints("split", 1, 3)),
                        new OnnxModelBuilder(newOpset).Initializer("sp", L(1, 3)).Node("Split", ["x", "sp"], ["y", "z"], Int("axis", 2))),
            "Clip" => (new OnnxModelBuilder(oldOpset).Node("Clip", ["x"], ["y"], Float("min", -2), Float("max", 3)),
                       new OnnxModelBuilder(newOpset).Initializer("lo", Tensor.Scalar(-2f)).Initializer("hi", Tensor.Scalar(3f)).Node("Clip", ["x", "lo", "hi"], ["y"])),
            _ => (new OnnxModelBuilder(oldOpset).Node("Pad", ["x"], ["y"], Ints("pads", 0, 0, 1, 0, 0, 2), Float("value", 7)),
                  new OnnxModelBuilder(newOpset).Initializer("p", L(0, 0, 1, 0, 0, 2)).Initializer("v", Tensor.Scalar(7f)).Node("Pad", ["x", "p", "v"], ["y"])),
        };
        var xs = x.ToArray<float>();
        var reference = op switch
        {
            "Slice" => xs[4..12],
            "Squeeze" or "Unsqueeze" => xs,
            "ReduceSum" => Enumerable.Range(0, 3).Select(r => xs[(r * 4)..(r * 4 + 4)].Sum()).ToArray(),
            "ReduceMean" => Enumerable.Range(0, 4).Select(c => (xs[c] + xs[4 + c] + xs[8 + c]) / 3).ToArray(),
            "Split" => new float[] { xs[0], xs[4], xs[8] },
            "Clip" => xs.Select(v => Math.Clamp(v, -2, 3)).ToArray(),
            _ => Enumerable.Range(0, 3).SelectMany(r => new[] { 7f }.Concat(xs[(r * 4)..(r * 4 + 4)]).Concat([7f, 7f])).ToArray(),
        };
        foreach (var b in new[] { oldModel, newModel })
        {
            var module = b.Input("x", 1, 1, 3, 4).Output("y").Load();
            var y = module.Run(new Dictionary<string, Tensor> { ["x"] = x })["y"].ToArray<float>();
            Assert.Equal(reference.Length, y.Length);
            for (int i = 0; i < y.Length; i++) Assert.Equal(reference[i], y[i], 5);
        }
    }

    private static Tensor L(params long[] v) => Tensor.From(v, v.Length);

    [Fact]
    public void LstmGradientsReachTheWeightsAndMatchFiniteDifferences()
    {
        int seq = 3, batch = 2, input = 3, hidden = 2;
        var w = RandomValues(4 * hidden * input, 20);
        var r = RandomValues(4 * hidden * hidden, 21);
        var bias = RandomValues(8 * hidden, 22);
        var module = new OnnxModelBuilder(14).Input("x", 11, seq, batch, input).Output("y", 11)
            .Initializer("W", Tensor.From(w, 1, 4 * hidden, input))
            .Initializer("R", Tensor.From(r, 1, 4 * hidden, hidden))
            .Initializer("B", Tensor.From(bias, 1, 8 * hidden))
            .Node("LSTM", ["x", "W", "R", "B"], ["y"], Int("hidden_size", hidden)).Load();
        var x = Tensor.From(RandomValues(seq * batch * input, 23), seq, batch, input);
        var y = module.Forward(x);
        Assert.Equal([seq, 1, batch, hidden], y.Shape.ToArray());
        y.Square().Sum().Backward();
        var wParam = module.NamedParameters().First(p => p.Key == "W").Value;
        var grad = wParam.Grad!.ToArray<double>();
        const double h = 1e-6;
        foreach (int i in new[] { 0, 5, 11, 23 })
        {
            double Loss(double delta)
            {
                var changed = (double[])w.Clone();
                changed[i] += delta;
                module.SetState(new Dictionary<string, Tensor> { ["W"] = Tensor.From(changed, 1, 4 * hidden, input) }, strict: false);
                return module.Forward(x).Square().Sum().Item();
            }
            Assert.Equal((Loss(h) - Loss(-h)) / (2 * h), grad[i], 5);
        }
    }
}
