using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using Avalon.Cli.Bench.Models;
using Avalon.Optim;

namespace Avalon.Cli.Bench;

/// <summary>
/// Memory behaviour of eager training: N Adam steps of the Fashion-MNIST LeNet on random 1×28×28
/// batches with random labels, reporting time per step, bytes allocated per step, collections per generation and the
/// time the runtime paused for garbage collection. Run it under different GC settings
/// (DOTNET_gcServer, DOTNET_GCgen0size, DOTNET_GCConserveMemory, ...) to compare them.
/// </summary>
internal sealed class AllocBenchmark
{
    private const int Batches = 64;

    /// <summary>Runs <paramref name="steps"/> timed steps after <paramref name="warmup"/>; prints the figures or one JSON line.</summary>
    public int Run(int steps, int warmup, int batch, int threads, bool json)
    {
        if (steps < 1 || warmup < 0 || batch < 1 || threads < 1)
            throw new BenchOptionException($"--steps, --batch-size and --threads must be at least 1 and --warmup 0 or more, got {steps}, {batch}, {threads}, {warmup}.");
        Threads.Count = threads;

        var gen = new Generator(0);
        Generator.ManualSeed(0);
        var model = new LeNet();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        // Fresh random batches with random labels keep the loss near ln 10, as early in real training; one
        // batch repeated is memorised within a few dozen steps and its vanishing gradients turn subnormal,
        // which slows the arithmetic and would swamp what this benchmark is after.
        var inputs = new Tensor[Batches];
        var targets = new Tensor[Batches];
        for (int i = 0; i < Batches; i++)
        {
            inputs[i] = Tensor.Randn([batch, 1, 28, 28], gen);
            targets[i] = Tensor.RandInt(0, 10, [batch], gen);
        }

        double lastLoss = 0;
        int stepIndex = 0;
        void Step()
        {
            optimizer.ZeroGrad(setToNone: true);
            int b = stepIndex++ % Batches;
            var loss = Nn.Functional.NllLoss(model.Forward(inputs[b]), targets[b]);
            loss.Backward();
            optimizer.Step();
            lastLoss = loss.Item();
        }

        for (int i = 0; i < warmup; i++) Step();

        int[] collections0 = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        long allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        TimeSpan pause0 = GC.GetTotalPauseDuration();
        using var process = Process.GetCurrentProcess();
        TimeSpan user0 = process.UserProcessorTime, system0 = process.PrivilegedProcessorTime;
        var times = new List<double>(steps);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Step();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        double totalMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        double pauseMs = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
        int[] collections = [GC.CollectionCount(0) - collections0[0], GC.CollectionCount(1) - collections0[1], GC.CollectionCount(2) - collections0[2]];
        var memory = GC.GetGCMemoryInfo();
        process.Refresh();
        double userMs = (process.UserProcessorTime - user0).TotalMilliseconds, systemMs = (process.PrivilegedProcessorTime - system0).TotalMilliseconds;

        var result = new Dictionary<string, object>
        {
            ["bench"] = "avalon_alloc",
            ["steps"] = steps,
            ["batch_size"] = batch,
            ["threads"] = threads,
            ["server_gc"] = GCSettings.IsServerGC,
            ["gc_latency_mode"] = GCSettings.LatencyMode.ToString(),
            ["median_ms"] = TimedLoop.Median(times),
            ["mean_ms"] = totalMs / steps,
            ["min_ms"] = times.Min(),
            ["user_cpu_ms_per_step"] = userMs / steps,
            ["system_cpu_ms_per_step"] = systemMs / steps,
            ["alloc_mb_per_step"] = allocated / (double)steps / (1 << 20),
            ["gc0"] = collections[0],
            ["gc1"] = collections[1],
            ["gc2"] = collections[2],
            ["gc_pause_ms_per_step"] = pauseMs / steps,
            ["gc_pause_percent"] = 100 * pauseMs / totalMs,
            ["heap_mb"] = memory.HeapSizeBytes / (double)(1 << 20),
            ["committed_mb"] = memory.TotalCommittedBytes / (double)(1 << 20),
            ["working_set_mb"] = Environment.WorkingSet / (double)(1 << 20),
            ["loss"] = lastLoss,
        };
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        else
            foreach (var (key, value) in result)
                Console.WriteLine($"{key,-22} {(value is double d ? d.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : value)}");
        return 0;
    }
}
