using System.Globalization;
using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Callbacks;
using Avalon.Training.Metrics;

namespace Avalon.Distributed.TestHost;

/// <summary>The test scenarios; each returns the process's exit code.</summary>
internal static class Scenarios
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The binding's collectives against values worked out by hand from the ranks.</summary>
    public static int Collectives()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(60));
        int r = group.Rank, n = group.WorldSize;
        Report(group, "abi", Mpi.Abi.ToString());
        Report(group, "size", n.ToString(C));
        var failures = new List<string>();

        // Blocking all-reduce: element i of rank r is r + i, so the sum is n(n-1)/2 + n i.
        var sum = new double[] { r, r + 1, r + 2 };
        Mpi.AllReduce<double>(sum);
        for (int i = 0; i < 3; i++)
            if (sum[i] != n * (n - 1) / 2.0 + n * i) failures.Add($"allreduce sum[{i}] = {sum[i]}");
        var max = new int[] { r * 10 };
        Mpi.AllReduce<int>(max, MpiOp.Max);
        if (max[0] != (n - 1) * 10) failures.Add($"allreduce max = {max[0]}");
        var min = new long[] { 5 + r };
        Mpi.AllReduce<long>(min, MpiOp.Min);
        if (min[0] != 5) failures.Add($"allreduce min = {min[0]}");

        // Non-blocking all-reduce over part of an array: the rest is untouched.
        var part = new float[] { -1, r + 1, r + 1, -1 };
        group.Wait(Mpi.StartAllReduce(part, 1, 2));
        if (part[0] != -1 || part[3] != -1 || part[1] != n * (n + 1) / 2f) failures.Add($"iallreduce part = [{string.Join(", ", part)}]");

        // Broadcast from the last rank.
        var bcast = new int[] { r, r };
        Mpi.Broadcast<int>(bcast, n - 1);
        if (bcast[0] != n - 1 || bcast[1] != n - 1) failures.Add($"bcast = [{bcast[0]}, {bcast[1]}]");
        var ibcast = new double[] { r * 2.5 };
        group.Wait(Mpi.StartBroadcast(ibcast, 0, 1, 0));
        if (ibcast[0] != 0) failures.Add($"ibcast = {ibcast[0]}");

        // All-gather: rank k contributes (k, -k).
        var gathered = new int[2 * n];
        Mpi.AllGather<int>([r, -r], gathered);
        var igathered = new int[2 * n];
        group.Wait(Mpi.StartAllGather(new[] { r, -r }, igathered));
        for (int k = 0; k < n; k++)
        {
            if (gathered[2 * k] != k || gathered[2 * k + 1] != -k) failures.Add($"allgather [{2 * k}] = {gathered[2 * k]}");
            if (igathered[2 * k] != k || igathered[2 * k + 1] != -k) failures.Add($"iallgather [{2 * k}] = {igathered[2 * k]}");
        }

        // Tensors.
        var t = Tensor.From(new float[] { r, 1 }, 2);
        var reduced = group.AllReduce(t).ToArray<float>();
        if (reduced[0] != n * (n - 1) / 2f || reduced[1] != n) failures.Add($"tensor allreduce = [{reduced[0]}, {reduced[1]}]");
        var stacked = group.AllGather(Tensor.From(new long[] { r }, 1));
        if (stacked.Shape != new Shape(n, 1) || stacked.ToArray<long>()[n - 1] != n - 1) failures.Add($"tensor allgather shape {stacked.Shape}");
        var b = Tensor.Full([3], r + 1.0);
        group.Broadcast_(b, root: 0);
        if (b.ToArray<float>().Any(v => v != 1f)) failures.Add("tensor broadcast");

        // MPI's own error string: a broadcast from a rank that does not exist.
        try
        {
            Mpi.Broadcast<int>(new int[1], n + 5);
            failures.Add("a broadcast from an invalid root did not fail");
        }
        catch (MpiException e)
        {
            Report(group, "mpi_error", e.Message);
        }

        group.Barrier();
        foreach (var f in failures) Console.Error.WriteLine($"rank {r}: {f}");
        Report(group, "collectives", failures.Count == 0 ? "ok" : "FAILED");
        group.Shutdown();
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// Two processes, each on half of the batch, against one process on the whole batch: 20 SGD steps
    /// with momentum of a small MLP, several gradient buckets, rank 1 starting from other weights (the
    /// broadcast must fix that).
    /// </summary>
    public static int Equivalence()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(60));
        int r = group.Rank, n = group.WorldSize;
        const int batch = 24, steps = 20;
        var (x, y) = RegressionData(batch);

        Generator.ManualSeed(r == 0 ? 1UL : 99UL);          // replicas start different
        var ddp = new DistributedDataParallel(MakeMlp(), group, bucketCapMb: 600.0 / (1 << 20));   // ~600-byte buckets
        var optimizer = new Sgd(ddp.Parameters(), lr: 0.05, momentum: 0.9);
        int share = batch / n;
        var xs = x.Narrow(0, r * share, share);
        var ys = y.Narrow(0, r * share, share);
        for (int step = 0; step < steps; step++)
        {
            optimizer.ZeroGrad();
            Functional.MseLoss(ddp.Forward(xs), ys).Backward();
            optimizer.Step();
        }
        var mine = Flat(ddp.Module);
        var all = group.AllGather(mine).ToArray<float>();
        double betweenRanks = 0;
        for (int k = 1; k < n; k++)
            for (int i = 0; i < mine.Numel; i++) betweenRanks = Math.Max(betweenRanks, Math.Abs(all[k * mine.Numel + i] - all[i]));

        Generator.ManualSeed(1);
        var single = MakeMlp();
        var singleOptimizer = new Sgd(single.Parameters(), lr: 0.05, momentum: 0.9);
        for (int step = 0; step < steps; step++)
        {
            singleOptimizer.ZeroGrad();
            Functional.MseLoss(single.Forward(x), y).Backward();
            singleOptimizer.Step();
        }
        var reference = Flat(single).ToArray<float>();
        var trained = mine.ToArray<float>();
        double vsSingle = 0, moved = 0;
        Generator.ManualSeed(1);
        var initial = Flat(MakeMlp()).ToArray<float>();
        for (int i = 0; i < trained.Length; i++)
        {
            vsSingle = Math.Max(vsSingle, Math.Abs(trained[i] - reference[i]));
            moved = Math.Max(moved, Math.Abs(reference[i] - initial[i]));
        }
        Report(group, "buckets", ddp.BucketCount.ToString(C));
        Report(group, "max_abs_diff_between_ranks", betweenRanks.ToString("R", C));
        Report(group, "max_abs_diff_vs_single", vsSingle.ToString("R", C));
        Report(group, "max_abs_change_from_initial", moved.ToString("R", C));
        group.Shutdown();
        return 0;
    }

    /// <summary>Gradient accumulation: two micro-batches under NoSync, then one synchronised, against one process on all three.</summary>
    public static int NoSync()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(60));
        int r = group.Rank, n = group.WorldSize;
        const int micro = 4, micros = 3;
        var (x, y) = RegressionData(micro * micros * n);
        Generator.ManualSeed(1);
        var ddp = new DistributedDataParallel(MakeMlp(), group);
        long syncsBefore = ddp.Synchronizations;
        for (int m = 0; m < micros; m++)
        {
            // Process r's m-th micro-batch: rows (m n + r) micro ...
            var xs = x.Narrow(0, (m * n + r) * micro, micro);
            var ys = y.Narrow(0, (m * n + r) * micro, micro);
            var loss = Functional.MseLoss(ddp.Forward(xs), ys);
            if (m < micros - 1)
                using (ddp.NoSync()) loss.Backward();
            else loss.Backward();
        }
        long syncs = ddp.Synchronizations - syncsBefore;

        Generator.ManualSeed(1);
        var single = MakeMlp();
        for (int m = 0; m < micros; m++)
            for (int k = 0; k < n; k++)
            {
                var xs = x.Narrow(0, (m * n + k) * micro, micro);
                var ys = y.Narrow(0, (m * n + k) * micro, micro);
                (Functional.MseLoss(single.Forward(xs), ys) / n).Backward();
            }
        double diff = 0;
        foreach (var (a, b) in ddp.Module.Parameters().Zip(single.Parameters()))
        {
            var ga = a.Grad!.ToArray<float>();
            var gb = b.Grad!.ToArray<float>();
            for (int i = 0; i < ga.Length; i++) diff = Math.Max(diff, Math.Abs(ga[i] - gb[i]));
        }
        Report(group, "synchronizations", syncs.ToString(C));
        Report(group, "max_abs_grad_diff", diff.ToString("R", C));
        group.Shutdown();
        return 0;
    }

    /// <summary>Fit on a wrapped model: shards, reduced metrics, checkpoints from rank 0, early stopping together.</summary>
    public static int Fit(string directory)
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(120));
        int r = group.Rank;
        var (x, labels) = ClassificationData(90);
        var train = new TensorDataset(x, labels);
        var validation = new TensorDataset(x.Narrow(0, 0, 45), labels.Narrow(0, 0, 45));
        Generator.ManualSeed(3);
        var net = new Sequential(new Linear(4, 16), new Tanh(), new Linear(16, 3));
        var model = new DistributedDataParallel(net, group);
        var optimizer = new Adam(model.Parameters(), lr: 0.05);
        string checkpoint = Path.Combine(directory, "fit-{epoch}.safetensors");
        var saver = new ModelCheckpoint(checkpoint, monitor: "val_loss", saveBestOnly: false);
        // Rank 1 alone would stop at once (patience 0 on a metric it makes up); the decision is taken together.
        var stopper = new LambdaCallback(onEpochEnd: c => { if (c.Epoch == 3 && r == 1) c.StopTraining = true; });
        var history = model.Fit((o, t) => Functional.CrossEntropy(o, t), optimizer, train, epochs: 6, batchSize: 8,
            validation: validation, metrics: [new Accuracy()], callbacks: [saver, stopper],
            options: new FitOptions { Seed = 5, Progress = Training.Progress.ProgressMode.Plain });
        var flat = Flat(net);
        var all = group.AllGather(flat).ToArray<float>();
        double between = 0;
        for (int i = 0; i < flat.Numel; i++) between = Math.Max(between, Math.Abs(all[flat.Numel + i] - all[i]));
        var last = history.Epochs[^1];
        var allLoss = group.AllGather(Tensor.From(new double[] { last.TrainLoss, last.ValidationLoss ?? double.NaN }, 2)).ToArray<double>();
        Report(group, "epochs_run", history.Epochs.Count.ToString(C));
        Report(group, "max_abs_diff_between_ranks", between.ToString("R", C));
        Report(group, "loss_rank0", allLoss[0].ToString("R", C));
        Report(group, "loss_rank1", allLoss[2].ToString("R", C));
        Report(group, "val_loss_rank0", allLoss[1].ToString("R", C));
        Report(group, "val_loss_rank1", allLoss[3].ToString("R", C));
        var saved = group.AllGather(Tensor.From(new int[] { saver.LastSavedPath is null ? 0 : 1 }, 1)).ToArray<int>();
        Report(group, "saved_by_rank", string.Join(",", saved));
        group.Shutdown();
        return 0;
    }

    /// <summary>
    /// Fit's compiled step under DDP (the gradients all-reduced between its backward and its update) against
    /// Fit's eager loop (all-reduced from backward hooks): the same model, data, seeds and optimiser on both,
    /// 3 epochs; prints the largest difference of the final parameters and of the epoch losses, and whether
    /// the compiled run fell back to eager.
    /// </summary>
    public static int FitCompiledAgainstEager()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(120));
        var (x, labels) = ClassificationData(96);
        var train = new TensorDataset(x, labels);
        (Tensor Flat, TrainingHistory History, string Output) Train(bool compile)
        {
            Generator.ManualSeed(11);
            var net = new Sequential(new Linear(4, 16), new Tanh(), new Linear(16, 3));
            var model = new DistributedDataParallel(net, group);
            var optimizer = new Adam(model.Parameters(), lr: 0.05);
            var output = new StringWriter();
            var history = model.Fit((o, t) => Functional.CrossEntropy(o, t), optimizer, train, epochs: 3, batchSize: 8,
                options: new FitOptions { Seed = 5, Compile = compile, Progress = Training.Progress.ProgressMode.Plain, ProgressOutput = output });
            return (Flat(net), history, output.ToString());
        }
        var eager = Train(compile: false);
        var compiled = Train(compile: true);
        var e = eager.Flat.ToArray<float>();
        var c = compiled.Flat.ToArray<float>();
        double parameters = 0, losses = 0;
        for (int i = 0; i < e.Length; i++) parameters = Math.Max(parameters, Math.Abs(e[i] - c[i]));
        for (int k = 0; k < eager.History.Count; k++) losses = Math.Max(losses, Math.Abs(eager.History.Epochs[k].TrainLoss - compiled.History.Epochs[k].TrainLoss));
        Report(group, "max_abs_diff_parameters", parameters.ToString("R", C));
        Report(group, "max_abs_diff_losses", losses.ToString("R", C));
        Report(group, "compiled_fell_back", compiled.Output.Contains("compiled step unavailable", StringComparison.Ordinal) ? "yes" : "no");
        group.Shutdown();
        return 0;
    }

    /// <summary>
    /// SyncBatchNorm: P processes, each on its part of a batch of 8 (parts differ by one row when P does
    /// not divide 8), under DDP, against one process with BatchNorm2d/BatchNorm1d on the whole batch:
    /// outputs, running statistics and gradients after each of three SGD steps, then evaluation outputs.
    /// Each process's loss is its share of the whole batch's mean (sum of its squared errors over the
    /// batch's element count, times P, since DDP averages over P), so uneven parts compare too. The model
    /// is built with BatchNorms and converted with ConvertSyncBatchNorm; the BatchNorm1d uses the
    /// cumulative average (momentum null).
    /// </summary>
    public static int SyncBatchNormEquivalence()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(60));
        int r = group.Rank, n = group.WorldSize;
        const int batch = 8, steps = 3;
        var g = new Generator(21);
        var x = Tensor.Randn([batch, 3, 6, 6], g) * 2 + 1;   // a mean far from 0, so the statistics matter
        var y = Tensor.Randn([batch, 2], g);

        Generator.ManualSeed(5);
        var single = MakeBatchNormNet();
        Generator.ManualSeed(r == 0 ? 5UL : 77UL);           // rank 1 starts elsewhere: DDP's broadcast fixes it
        var converted = SyncBatchNorm.ConvertSyncBatchNorm(MakeBatchNormNet());
        Report(group, "sync_layers", converted.Modules().OfType<SyncBatchNorm>().Count().ToString(C));
        Report(group, "same_state_keys", converted.StateDict().Keys.SequenceEqual(single.StateDict().Keys) ? "yes" : "no");
        var ddp = new DistributedDataParallel(converted, group);
        var optimizer = new Sgd(ddp.Parameters(), lr: 0.1);
        var singleOptimizer = new Sgd(single.Parameters(), lr: 0.1);
        int start = r * batch / n, rows = (r + 1) * batch / n - start;
        var xs = x.Narrow(0, start, rows);
        var ys = y.Narrow(0, start, rows);
        Report(group, "rows", rows.ToString(C));
        double outputDiff = 0, statsDiff = 0, gradDiff = 0, gradMax = 0, bnGradMin = double.PositiveInfinity;
        for (int step = 0; step < steps; step++)
        {
            optimizer.ZeroGrad();
            singleOptimizer.ZeroGrad();
            var output = ddp.Forward(xs);
            var reference = single.Forward(x);
            outputDiff = Math.Max(outputDiff, MaxAbsDiff(output, reference.Narrow(0, start, rows)));
            (Functional.MseLoss(output, ys, Reduction.Sum) * ((double)n / y.Numel)).Backward();
            Functional.MseLoss(reference, y).Backward();
            foreach (var ((_, a), b) in converted.NamedBuffers().Zip(single.Buffers()))
                if (a.DType == DType.Float32) statsDiff = Math.Max(statsDiff, MaxAbsDiff(a, b));
            foreach (var ((name, a), b) in converted.NamedParameters().Zip(single.Parameters()))
            {
                gradDiff = Math.Max(gradDiff, MaxAbsDiff(a.Grad!, b.Grad!));
                double largest = b.Grad!.Abs().Max().Item();
                gradMax = Math.Max(gradMax, largest);
                if (name is "1.weight" or "5.weight") bnGradMin = Math.Min(bnGradMin, largest);
            }
            optimizer.Step();
            singleOptimizer.Step();
        }
        ddp.Eval();
        single.Eval();
        double evalDiff = MaxAbsDiff(ddp.Forward(x), single.Forward(x));
        var tracked = converted.NamedBuffers().First(b => b.Key == "5.num_batches_tracked").Value.ToArray<long>()[0];
        Report(group, "max_abs_output_diff", outputDiff.ToString("R", C));
        Report(group, "max_abs_running_stats_diff", statsDiff.ToString("R", C));
        Report(group, "max_abs_grad_diff", gradDiff.ToString("R", C));
        Report(group, "max_abs_grad", gradMax.ToString("R", C));
        Report(group, "min_batchnorm_weight_grad", bnGradMin.ToString("R", C));
        Report(group, "max_abs_eval_output_diff", evalDiff.ToString("R", C));
        Report(group, "num_batches_tracked", tracked.ToString(C));
        group.Shutdown();
        return 0;
    }

    private static Module MakeBatchNormNet() => new Sequential(
        new Conv2d(3, 4, 3), new BatchNorm2d(4), new ReLU(), new Flatten(),
        new Linear(4 * 4 * 4, 6), new BatchNorm1d(6, momentum: null), new Tanh(), new Linear(6, 2));

    private static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var noGrad = new NoGrad();
        return (a - b).Abs().Max().Item();
    }

    /// <summary>Rank 1 stops calling collectives; rank 0's all-reduce must time out and abort the job.</summary>
    public static int Hang()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(3));
        if (group.Rank == 1)
        {
            Thread.Sleep(TimeSpan.FromSeconds(120));
            return 0;
        }
        group.SumAcross([1.0]);
        Console.WriteLine("unexpected: the all-reduce completed");
        return 0;
    }

    /// <summary>Rank 1 fails with an exception before the collective; rank 0 must not hang.</summary>
    public static int Crash()
    {
        var group = ProcessGroup.Initialize(TimeSpan.FromSeconds(20));
        if (group.Rank == 1) throw new InvalidOperationException("rank 1 failed on purpose");
        group.SumAcross([1.0]);
        Console.WriteLine("unexpected: the all-reduce completed");
        return 0;
    }

    internal static Module MakeMlp() => new Sequential(new Linear(8, 16), new Tanh(), new Linear(16, 16), new Tanh(), new Linear(16, 4));

    private static (Tensor X, Tensor Y) RegressionData(int rows)
    {
        var g = new Generator(7);
        var x = Tensor.Randn([rows, 8], g);
        var w = Tensor.Randn([8, 4], g);
        return (x, (x.MatMul(w)).Tanh() + 0.1 * Tensor.Randn([rows, 4], g));
    }

    private static (Tensor X, Tensor Labels) ClassificationData(int rows)
    {
        var g = new Generator(11);
        var x = Tensor.Randn([rows, 4], g);
        var labels = x.Narrow(1, 0, 3).ArgMax(1);
        return (x, labels);
    }

    private static Tensor Flat(Module m)
    {
        using var noGrad = new NoGrad();
        return Tensor.Cat(m.Parameters().Select(p => p.Reshape(-1)).ToList());
    }

    private static void Report(ProcessGroup group, string key, string value) =>
        Console.WriteLine($"[rank {group.Rank}] {key}={value}");
}
