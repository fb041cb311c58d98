using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Avalon.Backends.Cpu;

namespace Avalon.Cli.Bench;

/// <summary>
/// SGEMM throughput on square n×n matrices at several thread counts: the counterpart of the PyTorch
/// script torch_gemm.py, with the same options and result fields (n, threads, reps, median_ms,
/// min_ms, max_ms, gflops_median, gflops_best, rel_err). Beyond the script: --dtype float64,
/// --layout nt|tn|tt (which operands are stored transposed) and --kernel to force a micro-kernel.
/// </summary>
internal sealed unsafe class GemmBenchmark
{
    /// <summary>Runs the sizes at each thread count; prints one line per case or, with --json, one JSON line.</summary>
    public int Run(GemmOptions o)
    {
        o.Validate();
        int[] sizes = o.Sizes, threadCounts = o.Threads;
        double minTime = o.MinTime;
        int minReps = o.MinReps, maxReps = o.MaxReps;
        bool json = o.Json;
        GemmKernelKind kernel = o.Kernel;
        string dtype = o.DType, layout = o.Layout;
        bool transA = layout[0] == 't', transB = layout[1] == 't';
        GemmKernelKind resolved = dtype == "float32" ? Gemm.Resolve<float>(kernel) : Gemm.Resolve<double>(kernel);

        var results = new List<Dictionary<string, object>>();
        int savedThreads = CpuParallel.Threads;
        try
        {
            foreach (int threads in threadCounts)
            {
                CpuParallel.Threads = threads;
                foreach (int n in sizes)
                {
                    var r = dtype == "float32"
                        ? Measure<float>(n, threads, transA, transB, resolved, minTime, minReps, maxReps)
                        : Measure<double>(n, threads, transA, transB, resolved, minTime, minReps, maxReps);
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
                ["dtype"] = dtype,
                ["layout"] = layout,
                ["cores"] = Environment.ProcessorCount,
                ["fma_peak_gflops"] = FmaPeak.Measure(threadCounts.Max()),
                ["fma_peak_threads"] = threadCounts.Max(),
                ["vector_bits"] = FmaPeak.VectorBits,
                ["fma_hardware"] = FmaPeak.HardwareFma,
                ["runtime"] = RuntimeInformation.FrameworkDescription,
                ["results"] = results,
            };
            Console.WriteLine(JsonSerializer.Serialize(output));
        }

        return 0;
    }

    private static Dictionary<string, object> Measure<T>(int n, int threads, bool transA, bool transB, GemmKernelKind kernel,
        double minTime, int minReps, int maxReps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        nuint bytes = (nuint)n * (nuint)n * (nuint)sizeof(T);
        T* a = (T*)NativeMemory.AlignedAlloc(bytes, 64);
        T* b = (T*)NativeMemory.AlignedAlloc(bytes, 64);
        T* c = (T*)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            var rng = new Random(n);
            for (long i = 0; i < (long)n * n; i++)
            {
                a[i] = T.CreateTruncating(Normal(rng));
                b[i] = T.CreateTruncating(Normal(rng));
            }

            var problem = new GemmProblem<T>(transA, transB, n, n, n, T.One, a, n, b, n, T.Zero, c, n);
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
                ["rel_err"] = FirstColumnError(n, transA, transB, a, b, c),
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
    private static double FirstColumnError<T>(int n, bool transA, bool transB, T* a, T* b, T* c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < n; i++)
        {
            double acc = 0;
            for (int p = 0; p < n; p++)
                acc += double.CreateTruncating(transA ? a[(long)p * n + i] : a[(long)i * n + p]) * double.CreateTruncating(transB ? b[p] : b[(long)p * n]);
            double got = double.CreateTruncating(c[(long)i * n]), expected = double.CreateTruncating(T.CreateTruncating(acc));
            maxErr = Math.Max(maxErr, Math.Abs(got - expected));
            maxRef = Math.Max(maxRef, Math.Abs(expected));
        }

        return maxErr / maxRef;
    }

    private static double Normal(Random rng) =>
        (Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
