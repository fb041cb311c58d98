// Trains the FashionMnist sample's CNN with data-parallel training over MPI processes and reports the
// test accuracy on the last line (rank 0 alone prints).
//
//   dotnet build -c Release samples/DistributedFashionMnist
//   mpirun -np 2 dotnet run -c Release --no-build --project samples/DistributedFashionMnist
//
// Options: --quick (2 epochs on 400 images), --epochs N, --batch-size N (per process), --lr X, --full,
// --seed N, --out DIR, --threads N (per process; default: this machine's cores shared by its processes).
using System.Globalization;
using Avalon.Data;
using Avalon.Distributed;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Samples.Common;
using Avalon.Training;
using Avalon.Training.Checkpoints;
using Avalon.Training.Metrics;

namespace Avalon.Samples.DistributedFashionMnist;

/// <summary>
/// Data-parallel training of the Fashion-MNIST CNN: every process holds a replica, <c>Fit</c> gives each
/// its shard of every epoch (a <see cref="DistributedSampler"/> over the training images), and
/// <see cref="DistributedDataParallel"/> averages the gradients during backward.
/// </summary>
public static class DistributedFashionMnistSample
{
    /// <summary>Runs the sample (see the options at the top of the file); call it on every process.</summary>
    public static int Run(string[] args)
    {
        var options = new SampleArgs(args, Path.Combine("runs", "distributed-fashion-mnist"),
            valueOptions: ["epochs", "batch-size", "lr"], flagOptions: ["full"]);
        var group = ProcessGroup.Initialize();
        bool main = group.IsMainProcess;
        // Each process gets its share of this machine's cores, unless --threads says otherwise.
        if (options.Text("threads") is null) Threads.Count = Math.Max(1, Environment.ProcessorCount / Math.Max(1, group.LocalWorldSize));
        int epochs = options.Int("epochs", options.Flag("full") ? 3 : 8, 2);
        int batchSize = options.Int("batch-size", 50, 20);
        double lr = options.Double("lr", 1e-3);

        // Every process loads the same data and splits it with the same seed; Fit takes each one's shard.
        var data = FashionData.Load(options.Seed, options.Flag("full"), limit: options.Quick ? 400 : null);
        if (main)
        {
            Console.WriteLine($"Data source: {data.Description}");
            string processes = group.WorldSize == 1 ? "1 process" : $"{group.WorldSize} processes";
            Console.WriteLine($"{processes} (launcher: {group.Launcher.Launcher}), {Threads.Count} threads each, batch {batchSize} per process ({batchSize * group.WorldSize} in all)");
        }

        Generator.ManualSeed(options.Seed);
        var net = new FashionMnist.Net();
        var model = new DistributedDataParallel(net, group);   // rank 0's weights are broadcast to every replica
        if (main) Console.WriteLine($"{net.ParameterCount:N0} parameters in {model.BucketCount} gradient bucket(s)");
        var optimizer = new Adam(model.Parameters(), lr: lr);
        var history = model.Fit(
            loss: (output, target) => Functional.NllLoss(output, target),
            optimizer: optimizer,
            train: data.Train,
            epochs: epochs,
            batchSize: batchSize,
            validation: data.Validation,
            metrics: [new Accuracy()],
            options: new FitOptions { Seed = options.Seed });

        if (main)
        {
            Directory.CreateDirectory(options.OutputDirectory);
            var checkpoint = Path.Combine(options.OutputDirectory, "fashion-mnist-cnn.safetensors");
            net.Save(checkpoint, optimizer, epoch: epochs);   // the plain module: a single process loads it
            Console.WriteLine(history.ToText());
            Console.WriteLine($"checkpoint: {checkpoint}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"communication: {model.CommunicationWaitTime.TotalMilliseconds / Math.Max(1, model.Synchronizations):0.00} ms waited per step for gradients ({model.Synchronizations} steps)"));
        }

        // The test images are shared out too; the correct predictions are summed over the processes.
        var shard = group.EvaluationShard(data.Test);
        var local = net.Evaluate((o, t) => Functional.NllLoss(o, t), shard, batchSize: 500, metrics: [new Accuracy()]);
        var counts = new[] { local["accuracy"] * shard.Count, shard.Count };
        group.SumAcross(counts);
        if (main) Console.WriteLine($"test accuracy: {(100 * counts[0] / counts[1]).ToString("F2", CultureInfo.InvariantCulture)}%");
        group.Shutdown();
        return 0;
    }
}
