using Avalon.Autodiff;
using Avalon.Onnx.Export;
using Avalon.Tests.Nn.ModuleRegistry;

namespace Avalon.Onnx.Tests.Export;

/// <summary>
/// Exports with a symbolic batch dimension: traced at the sample's batch size, run in ONNX Runtime and in
/// the importer at a batch two larger, against Avalon's eager outputs at that size.
/// </summary>
public class DynamicBatchExportTests
{
    /// <summary>
    /// Entries whose export with a dynamic batch is refused, each with why: a mean over the batch (the count
    /// is a number of the trace) or, for batch normalisation without running statistics, the batch's own
    /// statistics. The test asserts the refusal names the batch.
    /// </summary>
    private static readonly Dictionary<string, string> s_refused = new()
    {
        ["MSELoss"] = "mean over the batch",
        ["L1Loss"] = "mean over the batch",
        ["SmoothL1Loss"] = "mean over the batch",
        ["KLDivLoss"] = "mean over the batch",
        ["BCELoss"] = "mean over the batch",
        ["BCEWithLogitsLoss"] = "mean over the batch",
        ["CrossEntropyLoss(probabilities)"] = "mean over the batch",
        ["TripletMarginLoss"] = "mean over the batch",
        ["BatchNorm1d(no_running_stats)"] = "statistics of the batch",
    };

    /// <summary>
    /// Entries whose inputs' first dimension is not a batch, which the test leaves out: sequence-first
    /// recurrent layers (the first dimension is the number of steps, which the trace unrolls) and the
    /// initial states of a stacked LSTM (the first dimension counts layers).
    /// </summary>
    private static readonly Dictionary<string, string> s_notBatchFirst = new()
    {
        ["RNN"] = "sequence first: the steps are unrolled",
        ["LSTM"] = "sequence first: the steps are unrolled",
        ["GRU"] = "sequence first: the steps are unrolled",
        ["LSTM(packed,unsorted,bidirectional)"] = "sequence first, packed lengths",
        ["LSTM(proj,2 layers,bidirectional,h0,c0)"] = "the states' first dimension counts layers",
    };

    /// <summary>Unbatched samples (the first dimension is a sequence or the channels of a 3-D image), left out.</summary>
    private static readonly HashSet<(string, int)> s_unbatchedSamples =
    [
        ("SinusoidalPositionalEncoding", 1), ("Conv2d", 1), ("RotaryEmbedding", 1),
    ];

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var (name, entry) in ModuleRegistry.Entries)
        {
            if (s_notBatchFirst.ContainsKey(name)) continue;
            for (int s = 0; s < entry.Samples.Count; s++)
            {
                var inputs = entry.Samples[s].Inputs;
                // A batch is a leading dimension of at least 1 shared by every input, of inputs of rank 2 or more.
                if (!s_unbatchedSamples.Contains((name, s)) && inputs.All(i => i.Shape.Length >= 2 && i.Shape[0] > 0 && i.Shape[0] == inputs[0].Shape[0])) data.Add(name, s);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RegistryEntryRunsAtAnotherBatchSize(string name, int sample)
    {
        var (module, forward, inputs) = RegistryExportTests.Build(name, sample);
        var options = new OnnxExportOptions { DynamicBatch = true };
        if (s_refused.ContainsKey(name))
        {
            var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(module, forward, inputs, options));
            Assert.Contains("batch", e.Message);
            return;
        }
        var bytes = OnnxExport.ToBytes(module, forward, inputs, options);
        var spec = ModuleRegistry.Entries[name].Samples[sample];
        var larger = spec.Inputs.Select(i => (i with { Shape = [i.Shape[0] + 2, .. i.Shape[1..]] })).ToArray();
        var gen = new Generator(11);
        var bigger = larger.Select(i => i.Create(gen, DType.Float32)).ToArray();
        Tensor[] expected;
        using (new NoGrad()) expected = forward(bigger);
        var ort = OrtRunner.Run(bytes, bigger);
        for (int k = 0; k < expected.Length; k++) OrtRunner.AssertClose(expected[k], ort[k], $"{name} #{sample} batch+2 ONNX Runtime output {k}");
        var loaded = OnnxModule.Load(bytes);
        loaded.Eval();
        var back = loaded.Forward(bigger);
        for (int k = 0; k < expected.Length; k++) OrtRunner.AssertClose(expected[k], back[k], $"{name} #{sample} batch+2 reloaded output {k}");
    }
}
