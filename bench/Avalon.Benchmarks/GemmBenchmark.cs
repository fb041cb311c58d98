using System.Runtime.InteropServices;
using System.Text.Json;
using Avalon.Backends.Cpu;

namespace Avalon.Benchmarks;

/// <summary>
/// SGEMM throughput on square n×n matrices at several thread counts: the counterpart of the PyTorch
/// script torch_gemm.py, with the same options and result fields (n, threads, reps, median_ms,
/// min_ms, max_ms, gflops_median, gflops_best, rel_err).
/// </summary>
internal sealed unsafe class GemmBenchmark : IBenchmarkCommand
{
    public string Name => "gemm";

    public string Summary =>
        "float32 C = A·B, square n: [--sizes 128 256 512 1024 2048] [--threads 1 2] [--min-time 1] " +
        "[--min-reps 5] [--max-reps 2000] [--kernel auto|scalar|vector256|vector512] [--json]";

    public int Run(BenchArgs args)
    {
        int[] sizes = args.Ints("sizes", 128, 256, 512, 1024, 2048);
        int[] threadCounts = args.Ints("threads", 1, 2);
        double minTime = args.Double("min-time", 1.0);
        int minReps = (int)args.Double("min-reps", 5), maxReps = (int)args.Double("max-reps", 2000);
        bool json = args.Flag("json");
        GemmKernelKind kernel = Enum.Parse<GemmKernelKind>(args.String("kernel", "auto"), ignoreCase: true);
        args.EnsureAllUsed();
        GemmKernelKind resolved = Gemm.Resolve<float>(kernel);

        var results = new List<Dictionary<string, object>>();
        int savedThreads = CpuParallel.Threads;
        try
        {
            foreach (int threads in threadCounts)
            {
                CpuParallel.Threads = threads;
                foreach (int n in sizes)
                {
                    var r = Measure(n, threads, resolved, minTime, minReps, maxReps);
                    results.Add(r);
                    if (!json)
                        Console.WriteLine($"n={n,5} threads={threads} reps={r["reps"],5} median={(double)r["median_ms"],9:F3} ms " +
                                          $"{(double)r["gflops_median"],7:F1} GFLOP/s (best {(double)r["gflops_best"],6:F1}) rel_err={(double)r["rel_err"]:E1}");
                }
            }
        }
        finally
        {
            CpuParallel.Threads = savedThreads;
        }

        if (json)
        {
            var output = new Dictionary<string, object>
            {
                ["bench"] = "avalon_gemm",
                ["kernel"] = resolved.ToString(),
                ["cores"] = Environment.ProcessorCount,
                ["runtime"] = RuntimeInformation.FrameworkDescription,
                ["results"] = results,
            };
            Console.WriteLine(JsonSerializer.Serialize(output));
        }

        return 0;
    }

    private static Dictionary<string, object> Measure(int n, int threads, GemmKernelKind kernel, double minTime, int minReps, int maxReps)
    {
        nuint bytes = (nuint)n * (nuint)n * sizeof(float);
        float* a = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        float* b = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        float* c = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            var rng = new Random(n);
            for (long i = 0; i < (long)n * n; i++)
            {
                a[i] = Normal(rng);
                b[i] = Normal(rng);
            }

            var problem = new GemmProblem<float>(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
            int parts = Gemm.ChooseThreads(n, n, n, 1);
            List<double> times = TimedLoop.Run(() => Gemm.Compute(kernel, parts, problem, 1, 0, 0, 0), minTime, minReps, maxReps);
            double median = TimedLoop.Median(times), best = times.Min(), flop = 2.0 * n * n * n;
            return new Dictionary<string, object>
            {
                ["n"] = n,
                ["threads"] = threads,
                ["reps"] = times.Count,
                ["median_ms"] = median * 1e3,
                ["min_ms"] = best * 1e3,
                ["max_ms"] = times.Max() * 1e3,
                ["gflops_median"] = flop / median / 1e9,
                ["gflops_best"] = flop / best / 1e9,
                ["rel_err"] = FirstColumnError(n, a, b, c),
            };
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    /// <summary>Max error of C's first column against a float64 product, relative to its largest value (as torch_gemm.py).</summary>
    private static double FirstColumnError(int n, float* a, float* b, float* c)
    {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < n; i++)
        {
            double acc = 0;
            for (int p = 0; p < n; p++) acc += (double)a[(long)i * n + p] * b[(long)p * n];
            maxErr = Math.Max(maxErr, Math.Abs(c[(long)i * n] - (float)acc));
            maxRef = Math.Max(maxRef, Math.Abs((float)acc));
        }

        return maxErr / maxRef;
    }

    private static float Normal(Random rng) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
