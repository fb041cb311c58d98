using System.Text.Json;

namespace Avalon.Tests.Reference;

public sealed class ReferenceDataTests
{
    [Theory]
    [InlineData("layers")]
    [InlineData("activations")]
    [InlineData("losses")]
    [InlineData("init")]
    [InlineData("optimizers")]
    [InlineData("schedules")]
    [InlineData("attention")]
    public void EveryFamilyLoadsWithUniqueNamesAndWellFormedTensors(string family)
    {
        ReferenceData data = ReferenceData.Load(family);

        Assert.Equal(family, data.Family);
        Assert.StartsWith("1.13", data.TorchVersion);
        Assert.NotEmpty(data.Cases);
        var names = new HashSet<string>();
        foreach (ReferenceCase c in data.Cases)
        {
            Assert.True(names.Add(c.Name), $"duplicate case name {c.Name} in {family}");
            Assert.False(string.IsNullOrEmpty(c.Kind), $"case {c.Name} has no kind");
            Assert.Same(c, data[c.Name]);
            // FromJson checks that each tensor's data length matches its shape.
            int tensors = ReadAllTensors(c.Json);
            if (family is "layers" or "activations" or "losses")
            {
                Assert.True(tensors >= 3, $"case {c.Name} has only {tensors} tensors");
                Assert.Equal(c.Tensors("inputs").Count, c.Tensors("grad_inputs").Count);
            }
        }
    }

    [Fact]
    public void FamiliesListMatchesTheFilesOnDisk()
    {
        var onDisk = new SortedSet<string>();
        foreach (string path in System.IO.Directory.GetFiles(ReferenceData.Directory, "*.json"))
        {
            onDisk.Add(Path.GetFileNameWithoutExtension(path));
        }
        Assert.Equal(new SortedSet<string>(ReferenceData.Families), onDisk);
    }

    [Fact]
    public void LinearCaseMatchesNaiveRowMajorProduct()
    {
        ReferenceCase c = ReferenceData.Load("layers")["Linear_basic"];
        ReferenceTensor x = c.Tensors("inputs")[0]!;
        ReferenceTensor w = c.TensorMap("params")["weight"];
        ReferenceTensor b = c.TensorMap("params")["bias"];
        ReferenceTensor y = c.Tensor("output");
        int n = x.Shape[0], inF = x.Shape[1], outF = w.Shape[0];
        Assert.Equal(c.ArgInt("in_features", -1), inF);
        Assert.Equal(c.ArgInt("out_features", -1), outF);
        Assert.Equal([n, outF], y.Shape);
        for (int i = 0; i < n; i++)
        {
            for (int o = 0; o < outF; o++)
            {
                double sum = b.Data[o];
                for (int k = 0; k < inF; k++)
                {
                    sum += x.Data[i * inF + k] * w.Data[o * inF + k];
                }
                Assert.Equal(sum, y.Data[i * outF + o], 1e-5);
            }
        }
    }

    [Fact]
    public void Float32ValuesRoundTripAndKnownGainsAreRecorded()
    {
        ReferenceData init = ReferenceData.Load("init");
        Assert.Equal(Math.Sqrt(2.0), init["calculate_gain_relu"].Number("value"), 12);
        Assert.Equal(5.0 / 3.0, init["calculate_gain_tanh"].Number("value"), 12);
        Assert.Equal(3.0 / 4.0, init["calculate_gain_selu"].Number("value"), 12);

        ReferenceTensor embedding = ReferenceData.Load("layers")["Embedding_padding_idx"].Tensors("inputs")[0]!;
        Assert.Equal("int64", embedding.Dtype);
        Assert.Equal([0L, 2L, 4L, 2L, 4L, 4L, 1L, 0L], embedding.ToInt64Array());

        ReferenceCase steps = ReferenceData.Load("schedules")["StepLR_gamma0_5"];
        double[] lr = steps.Numbers("lr");
        Assert.Equal(30, lr.Length);
        Assert.Equal(0.1 * 0.5, lr[3], 12);
        Assert.Equal(0.1 * 0.25, lr[7], 12);
    }

    private static int ReadAllTensors(JsonElement element)
    {
        if (ReferenceTensor.IsTensor(element))
        {
            ReferenceTensor.FromJson(element);
            return 1;
        }
        int count = 0;
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in element.EnumerateObject())
            {
                count += ReadAllTensors(p.Value);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement e in element.EnumerateArray())
            {
                count += ReadAllTensors(e);
            }
        }
        return count;
    }
}
