using System.Diagnostics;
using System.Globalization;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using static Avalon.Nn.Functional;

namespace Avalon.Distributed.TestHost;

/// <summary>Measurements for docs/distributed.md and BENCHMARKS.md (run by bench/distributed.sh).</summary>
internal static class Benchmarks
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Latency and bandwidth of a blocking float32 all-reduce from 4 B to 64 MB: median time of repeated calls.</summary>
    public static int AllReduceSweep()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(120));
        int n = group.WorldSize;
        if (group.Rank == 0)
        {
            Console.WriteLine($"# all-reduce (float32, sum, in place), {n} processes, {Mpi.LibraryVersion.Split('\n')[0]}");
            Console.WriteLine("# bytes  median_us  min_us  algbw_GBps  busbw_GBps  reps");
        }
        for (long bytes = 4; bytes <= 64L << 20; bytes *= 4)
        {
            var buffer = new float[bytes / 4];
            for (int w = 0; w < 3; w++) Mpi.AllReduce<float>(buffer);
            // The number of repetitions is agreed (rank 0's choice), so every process makes the same calls.
            var sw = Stopwatch.StartNew();
            Mpi.AllReduce<float>(buffer);
            var reps = new double[] { Math.Clamp(0.3 / Math.Max(sw.Elapsed.TotalSeconds, 1e-6), 5, 200) };
            Mpi.Broadcast<double>(reps, 0);
            var times = new double[(int)reps[0]];
            for (int i = 0; i < times.Length; i++)
            {
                Mpi.Barrier();
                long t0 = Stopwatch.GetTimestamp();
                Mpi.AllReduce<float>(buffer);
                times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            Array.Sort(times);
            double median = times[times.Length / 2];
            double algbw = bytes / median / 1e9;
            double busbw = algbw * 2.0 * (n - 1) / n;   // bytes each link carries in a ring all-reduce
            if (group.Rank == 0)
                Console.WriteLine(string.Create(C, $"{bytes,10} {median * 1e6,10:0.0} {times[0] * 1e6,8:0.0} {algbw,10:0.000} {busbw,10:0.000} {times.Length,5}"));
        }
        group.Shutdown();
        return 0;
    }

    /// <summary>
    /// A CNN on Fashion-MNIST (<c>lenet</c>: the seed README's LeNet; <c>cnn</c>: the benchmark CNN of
    /// <c>avalon bench cnn</c>): a fixed number of SGD steps of a fixed global batch split over the
    /// processes; prints the time per step, the forward and backward time per step (backward includes,
    /// when distributed, the wait for the gradients at its end) and the time each step waited for its
    /// gradients. Options: --steps N (default 60), --batch N global batch (default 64), --threads N
    /// (default 1), --bucket-mb X (DDP's bucket size, default 25), --full (the full data set).
    /// </summary>
    public static int Train(string modelName, string[] args)
    {
        int steps = IntOption(args, "--steps", 60), globalBatch = IntOption(args, "--batch", 64), threads = IntOption(args, "--threads", 1);
        bool full = args.Contains("--full");
        Threads.Count = threads;
        bool distributed = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMI_SIZE") is not null;
        var group = distributed ? ProcessGroup.Initialize(TimeSpan.FromSeconds(300)) : null;
        int n = group?.WorldSize ?? 1, r = group?.Rank ?? 0;
        var train = new FashionMnistDataset(DatasetSplit.Train, options: new DatasetLoadOptions { UseEmbeddedSample = !full });
        var sampler = new DistributedSampler(train.Count, n, r, shuffle: true, seed: 1);
        var loader = new DataLoader(new Subset(train, sampler.Indices()), globalBatch / n, dropLast: true);
        Generator.ManualSeed(0);
        Module net = modelName == "cnn" ? new BenchmarkCnn() : new LeNetModel();
        double bucketMb = DoubleOption(args, "--bucket-mb", DistributedDataParallel.DefaultBucketCapMb);
        var ddp = group is null ? null : new DistributedDataParallel(net, group, bucketCapMb: bucketMb);
        Module model = ddp is null ? net : ddp;
        var optimizer = new Sgd(model.Parameters(), lr: 0.05, momentum: 0.9);
        const int warmup = 5;
        int done = 0;
        long start = 0;
        double lastLoss = double.NaN;
        long forwardTicks = 0, backwardTicks = 0;
        while (done < steps + warmup)
        {
            foreach (var (x, y) in loader)
            {
                if (done == warmup)
                {
                    group?.Barrier();
                    ddp?.ResetStatistics();
                    start = Stopwatch.GetTimestamp();
                }
                optimizer.ZeroGrad();
                long t0 = Stopwatch.GetTimestamp();
                var loss = NllLoss(model.Forward(x), y);
                long t1 = Stopwatch.GetTimestamp();
                loss.Backward();
                long t2 = Stopwatch.GetTimestamp();
                optimizer.Step();
                if (done >= warmup)
                {
                    forwardTicks += t1 - t0;
                    backwardTicks += t2 - t1;
                }
                lastLoss = loss.Item();
                if (++done == steps + warmup) break;
            }
        }
        group?.Barrier();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (r == 0)
        {
            Console.WriteLine(string.Create(C, $"model={modelName} parameters={net.ParameterCount} processes={n} threads={threads} global_batch={globalBatch} steps={steps}"));
            Console.WriteLine(string.Create(C, $"step_ms={seconds * 1000 / steps:0.00}"));
            Console.WriteLine(string.Create(C, $"forward_ms={Stopwatch.GetElapsedTime(0, forwardTicks).TotalMilliseconds / steps:0.00}"));
            Console.WriteLine(string.Create(C, $"backward_ms={Stopwatch.GetElapsedTime(0, backwardTicks).TotalMilliseconds / steps:0.00}"));
            Console.WriteLine(string.Create(C, $"samples_per_s={steps * (double)(globalBatch / n * n) / seconds:0}"));
            if (ddp is not null)
                Console.WriteLine(string.Create(C, $"buckets={ddp.BucketCount}"));
            if (ddp is not null)
                Console.WriteLine(string.Create(C, $"comm_wait_ms_per_step={ddp.CommunicationWaitTime.TotalMilliseconds / Math.Max(1, ddp.Synchronizations):0.00}"));
            Console.WriteLine(string.Create(C, $"last_loss={lastLoss:0.0000}"));
        }
        group?.Shutdown();
        return 0;
    }

    private static double DoubleOption(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], C) : fallback;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], C) : fallback;
    }

    /// <summary>The benchmark CNN of <c>avalon bench cnn</c> (16,938 parameters).</summary>
    private sealed class BenchmarkCnn : Module
    {
        public Conv2d C1 = new(1, 16, 3, padding: 1);
        public Conv2d C2 = new(16, 32, 3, padding: 1);
        public Conv2d C3 = new(32, 32, 3, padding: 1);
        public Linear Fc = new(288, 10);

        public override Tensor Forward(Tensor x)
        {
            x = MaxPool2d(Relu(C1.Forward(x)), 2);
            x = MaxPool2d(Relu(C2.Forward(x)), 2);
            x = MaxPool2d(Relu(C3.Forward(x)), 2);
            return LogSoftmax(Fc.Forward(x.Flatten(1)), dim: 1);
        }
    }

    /// <summary>The seed README's CNN (the benchmark LeNet).</summary>
    private sealed class LeNetModel : Module
    {
        public Conv2d Conv1 = new(1, 20, 5);
        public Conv2d Conv2 = new(20, 50, 5);
        public Linear Fc1 = new(4 * 4 * 50, 500);
        public Linear Fc2 = new(500, 10);

        public override Tensor Forward(Tensor x)
        {
            x = MaxPool2d(Relu(Conv1.Forward(x)), 2);
            x = MaxPool2d(Relu(Conv2.Forward(x)), 2);
            x = Relu(Fc1.Forward(x.Reshape(-1, 800)));
            return LogSoftmax(Fc2.Forward(x), dim: 1);
        }
    }
}
