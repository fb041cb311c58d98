using System.Text.Json;
using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Convolution;
using Avalon.Primitives.Convolution;

namespace Avalon.Cli.Bench;

/// <summary>
/// The convolution layers of the benchmark CNNs, one at a time: forward (with bias), gradient of the
/// input and gradient of the weight, each timed alone on the backend kernels at batch 100, as median
/// milliseconds and GFLOP/s. Its peer is bench/torch_conv_layers.py, which times the same layers in
/// PyTorch; the two print the same fields, so a layer's three ratios show which kernel loses where.
/// </summary>
internal sealed class ConvLayerBenchmark
{
    /// <summary>A layer: name, input channels, output channels, input side, kernel side, padding.</summary>
    public readonly record struct Layer(string Name, int InChannels, int OutChannels, int Size, int Kernel, int Padding);

    /// <summary>The convolutions of Avalon.jl's benchmark CNN and of LeNet, as ../shared/bench's models define them.</summary>
    public static readonly Layer[] Layers =
    [
        new("cnn1", 1, 16, 28, 3, 1), new("cnn2", 16, 32, 14, 3, 1), new("cnn3", 32, 32, 7, 3, 1),
        new("lenet1", 1, 20, 28, 5, 0), new("lenet2", 20, 50, 12, 5, 0),
    ];

    /// <summary>Times every layer; one line per layer, or one JSON line per layer with --json.</summary>
    public int Run(int batch, int threads, int reps, bool json)
    {
        if (batch < 1 || threads < 1 || reps < 1)
            throw new BenchOptionException($"--batch, --threads and --reps must be at least 1 (got {batch}, {threads}, {reps}).");
        int saved = CpuParallel.Threads;
        CpuParallel.Threads = threads;
        try
        {
            foreach (Layer layer in Layers)
                Report(layer, Measure(layer, batch, reps), json);
        }
        finally
        {
            CpuParallel.Threads = saved;
        }
        return 0;
    }

    private static (double Forward, double BackwardInput, double BackwardWeight, double Flop) Measure(Layer l, int batch, int reps)
    {
        var g = ConvGeometry.Create(batch, l.InChannels, l.OutChannels, 1, [l.Size, l.Size], [l.Kernel, l.Kernel], [1, 1],
            [l.Padding, l.Padding], [1, 1]);
        var rng = new Random(1);
        float[] x = Fill(new float[g.InputLength], rng), w = Fill(new float[g.WeightLength], rng), b = Fill(new float[l.OutChannels], rng);
        float[] y = new float[g.OutputLength], gy = Fill(new float[g.OutputLength], rng);
        float[] gx = new float[g.InputLength], gw = new float[g.WeightLength];
        double forward = Median(() => ConvolutionForward.Run<float>(g, x, w, b, y), reps);
        double backwardInput = Median(() => ConvolutionBackwardInput.Run<float>(g, gy, w, gx), reps);
        double backwardWeight = Median(() => ConvolutionBackwardWeight.Run<float>(g, x, gy, gw), reps);
        double flop = 2.0 * g.OutputLength * g.ColumnRows;
        return (forward, backwardInput, backwardWeight, flop);
    }

    private static void Report(Layer l, (double Forward, double BackwardInput, double BackwardWeight, double Flop) r, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["layer"] = l.Name,
                ["fwd_ms"] = Math.Round(r.Forward * 1e3, 4),
                ["bwd_input_ms"] = Math.Round(r.BackwardInput * 1e3, 4),
                ["bwd_weight_ms"] = Math.Round(r.BackwardWeight * 1e3, 4),
                ["gflop"] = r.Flop / 1e9,
            }));
            return;
        }
        Console.WriteLine($"{l.Name,-7} forward {r.Forward * 1e3,7:F3} ms {r.Flop / r.Forward / 1e9,6:F1} GFLOP/s   " +
                          $"grad input {r.BackwardInput * 1e3,7:F3} ms {r.Flop / r.BackwardInput / 1e9,6:F1}   " +
                          $"grad weight {r.BackwardWeight * 1e3,7:F3} ms {r.Flop / r.BackwardWeight / 1e9,6:F1}");
    }

    /// <summary>
    /// The median of <paramref name="reps"/> timed calls after a warm-up long enough for the runtime's tiered
    /// compilation to replace the kernels' first code (30 calls, then a pause for its background compiler);
    /// without it the first layer timed runs unoptimised code at a fraction of its speed.
    /// </summary>
    private static double Median(Action body, int reps)
    {
        for (int i = 0; i < 30; i++) body();
        Thread.Sleep(300);
        for (int i = 0; i < 3; i++) body();
        return TimedLoop.Median(TimedLoop.Run(body, minTime: 0, minReps: reps, maxReps: reps));
    }

    private static float[] Fill(float[] values, Random rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }
}
