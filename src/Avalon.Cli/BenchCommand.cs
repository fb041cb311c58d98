using System.CommandLine;
using Avalon.Backends.Cpu;
using Avalon.Cli.Bench;

namespace Avalon.Cli;

/// <summary>
/// <c>avalon bench cnn|vae|gemm|alloc|compile|conv</c>: the benchmark models, their convolution layers and the matrix product with the protocol
/// of the PyTorch peer scripts, printing a summary or (<c>--json</c>) one line with the scripts' fields.
/// Exit codes: 0 done, 1 a bad command line (System.CommandLine's), 2 an option out of range, 3 the
/// data set could not be read.
/// </summary>
internal static class BenchCommand
{
    /// <summary>An option value out of range.</summary>
    public const int BadOptionExitCode = 2;

    /// <summary>The Fashion-MNIST files are missing or unreadable.</summary>
    public const int MissingDataExitCode = 3;

    public static Command Create()
    {
        var bench = new Command("bench",
            "Benchmarks with the protocol of the PyTorch peer scripts (batch 100, Adam 1e-3, 2 threads; a 20-step warm-up, one epoch, " +
            "prediction latency at batch 100 and 1). Prediction runs compiled unless --eager. --json prints one line with the scripts' fields.");
        bench.Subcommands.Add(CreateModelCommand("cnn", "Fashion-MNIST CNN (--model avalon: Avalon.jl's benchmark CNN; lenet: the README's LeNet): one epoch, test accuracy, prediction latency.", cnn: true));
        bench.Subcommands.Add(CreateModelCommand("vae", "Fashion-MNIST VAE 784-500-5 (BCE + KLD): one epoch, test loss per image, prediction latency.", cnn: false));
        bench.Subcommands.Add(CreateGemmCommand());
        bench.Subcommands.Add(CreateAllocCommand());
        bench.Subcommands.Add(CreateCompileCommand());
        bench.Subcommands.Add(CreateConvCommand());
        return bench;
    }

    private static Command CreateModelCommand(string name, string description, bool cnn)
    {
        var model = new Option<string>("--model") { Description = "The CNN: avalon (Avalon.jl's benchmark CNN) or lenet.", DefaultValueFactory = _ => "avalon" };
        model.AcceptOnlyFromAmong("avalon", "lenet");
        var threads = new Option<int>("--threads") { Description = "Threads the kernels use.", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch") { Description = "Images per step.", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initialisation (the shuffle uses seed + 1).", DefaultValueFactory = _ => 0 };
        var warmup = new Option<int>("--warmup-steps") { Description = "Steps on a throw-away model before timing.", DefaultValueFactory = _ => 20 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to time; epoch_s is their mean.", DefaultValueFactory = _ => 1 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Time only this many steps per epoch and extrapolate the epoch (0: the whole epoch).", DefaultValueFactory = _ => 0 };
        var predReps = new Option<int>("--pred-reps") { Description = "Timed predictions at batch 100.", DefaultValueFactory = _ => 100 };
        var singleReps = new Option<int>("--single-reps") { Description = "Timed predictions at batch 1.", DefaultValueFactory = _ => 500 };
        var data = new Option<string>("--data") { Description = "The Fashion-MNIST folder (Debian's dataset-fashion-mnist).", DefaultValueFactory = _ => FashionTensors.DefaultDirectory };
        var stepTrace = new Option<string?>("--step-trace") { Description = "Write every timed step (time, collections, page faults, phases) to this CSV file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON line with the PyTorch scripts' fields (and Avalon's own)." };
        var eager = new Option<bool>("--eager") { Description = "Run prediction and training eagerly instead of compiled." };
        var profile = new Option<bool>("--profile") { Description = "Time every kernel of the compiled train step (on the warm-up model) and print where the step's time goes." };
        var command = new Command(name, description) { threads, batch, seed, warmup, epochs, maxSteps, predReps, singleReps, data, stepTrace, json, eager, profile };
        if (cnn) command.Options.Insert(0, model);
        command.SetAction(parse =>
        {
            var options = new ModelBenchOptions
            {
                Model = cnn ? parse.GetValue(model)! : null,
                Threads = parse.GetValue(threads),
                Batch = parse.GetValue(batch),
                Seed = parse.GetValue(seed),
                WarmupSteps = parse.GetValue(warmup),
                Epochs = parse.GetValue(epochs),
                MaxSteps = parse.GetValue(maxSteps),
                PredReps = parse.GetValue(predReps),
                SingleReps = parse.GetValue(singleReps),
                DataDirectory = parse.GetValue(data)!,
                StepTracePath = parse.GetValue(stepTrace),
                Json = parse.GetValue(json),
                Eager = parse.GetValue(eager),
                Profile = parse.GetValue(profile),
            };
            ModelBenchmark benchmark = cnn ? new CnnBenchmark(options.Model!) : new VaeBenchmark();
            return Guard("bench " + name, () =>
            {
                try
                {
                    return benchmark.Run(options);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
                {
                    Console.Error.WriteLine($"avalon bench {name}: cannot read Fashion-MNIST from '{options.DataDirectory}': {e.Message} " +
                                            "Install Debian's dataset-fashion-mnist or pass --data DIR (the four IDX .gz files).");
                    return MissingDataExitCode;
                }
            });
        });
        return command;
    }

    private static Command CreateGemmCommand()
    {
        var defaults = new GemmOptions();
        var sizes = new Option<int[]>("--sizes") { Description = "Square sizes n.", DefaultValueFactory = _ => defaults.Sizes, AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int[]>("--threads") { Description = "Thread counts; every size runs at each.", DefaultValueFactory = _ => defaults.Threads, AllowMultipleArgumentsPerToken = true };
        var minTime = new Option<double>("--min-time") { Description = "Minimum seconds of repetitions per case.", DefaultValueFactory = _ => defaults.MinTime };
        var minReps = new Option<int>("--min-reps") { Description = "Minimum repetitions per case.", DefaultValueFactory = _ => defaults.MinReps };
        var maxReps = new Option<int>("--max-reps") { Description = "Maximum repetitions per case.", DefaultValueFactory = _ => defaults.MaxReps };
        var dtype = new Option<string>("--dtype") { Description = "float32 (as torch_gemm.py) or float64.", DefaultValueFactory = _ => defaults.DType };
        dtype.AcceptOnlyFromAmong("float32", "float64");
        var layout = new Option<string>("--layout") { Description = "Which operands are stored transposed: nn, nt, tn or tt.", DefaultValueFactory = _ => defaults.Layout };
        layout.AcceptOnlyFromAmong("nn", "nt", "tn", "tt");
        var kernel = new Option<GemmKernelKind>("--kernel") { Description = "The micro-kernel: auto (the widest the processor has), scalar, vector256 or vector512.", DefaultValueFactory = _ => GemmKernelKind.Auto };
        var json = new Option<bool>("--json") { Description = "Print one JSON line with torch_gemm.py's fields (results[].n, .threads, .gflops_median, ...)." };
        var command = new Command("gemm", "float32 matrix product C = A·B on square n×n matrices at each thread count: GFLOP/s (2n³ / median time), error against float64.")
        {
            sizes, threads, minTime, minReps, maxReps, dtype, layout, kernel, json,
        };
        command.SetAction(parse =>
        {
            var options = new GemmOptions
            {
                Sizes = parse.GetValue(sizes)!,
                Threads = parse.GetValue(threads)!,
                MinTime = parse.GetValue(minTime),
                MinReps = parse.GetValue(minReps),
                MaxReps = parse.GetValue(maxReps),
                DType = parse.GetValue(dtype)!,
                Layout = parse.GetValue(layout)!,
                Kernel = parse.GetValue(kernel),
                Json = parse.GetValue(json),
            };
            return Guard("bench gemm", () => new GemmBenchmark().Run(options));
        });
        return command;
    }

    private static Command CreateAllocCommand()
    {
        var steps = new Option<int>("--steps") { Description = "Timed steps.", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Steps before timing.", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads") { Description = "Threads the kernels use.", DefaultValueFactory = _ => Threads.Count };
        var json = new Option<bool>("--json") { Description = "Print one JSON line." };
        var command = new Command("alloc", "Eager LeNet training steps on random batches: time, bytes allocated and garbage-collection cost per step (compare GC settings with DOTNET_gc* variables).")
        {
            steps, warmup, batch, threads, json,
        };
        command.SetAction(parse => Guard("bench alloc", () =>
            new AllocBenchmark().Run(parse.GetValue(steps), parse.GetValue(warmup), parse.GetValue(batch), parse.GetValue(threads), parse.GetValue(json))));
        return command;
    }

    private static Command CreateCompileCommand()
    {
        var model = new Option<string>("--model") { Description = "The CNN: avalon (Avalon.jl's benchmark CNN) or lenet.", DefaultValueFactory = _ => "avalon" };
        model.AcceptOnlyFromAmong("avalon", "lenet");
        var batch = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 100 };
        var command = new Command("compile", "Where compiling a CNN training step goes: tracing, each pass, the executor, kernel generation and JIT, then the same for an identical model whose kernels are cached. Run it in a fresh process.")
        {
            model, batch,
        };
        command.SetAction(parse => Guard("bench compile", () => new CompileBenchmark().Run(parse.GetValue(model)!, parse.GetValue(batch))));
        return command;
    }

    private static Command CreateConvCommand()
    {
        var batch = new Option<int>("--batch") { Description = "Images per call.", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads") { Description = "Threads the kernels use.", DefaultValueFactory = _ => 2 };
        var reps = new Option<int>("--reps") { Description = "Timed calls per kernel (median).", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line per layer (fwd_ms, bwd_input_ms, bwd_weight_ms, gflop), as bench/torch_conv_layers.py." };
        var command = new Command("conv", "The benchmark CNNs' convolution layers one at a time: forward, input gradient and weight gradient kernels, median ms and GFLOP/s.")
        {
            batch, threads, reps, json,
        };
        command.SetAction(parse => Guard("bench conv", () =>
            new ConvLayerBenchmark().Run(parse.GetValue(batch), parse.GetValue(threads), parse.GetValue(reps), parse.GetValue(json))));
        return command;
    }

    /// <summary>Runs a benchmark, turning an option out of range into a message and <see cref="BadOptionExitCode"/>.</summary>
    private static int Guard(string command, Func<int> run)
    {
        try
        {
            return run();
        }
        catch (BenchOptionException e)
        {
            Console.Error.WriteLine($"avalon {command}: {e.Message}");
            return BadOptionExitCode;
        }
        catch (PlatformNotSupportedException e)
        {
            Console.Error.WriteLine($"avalon {command}: {e.Message}");
            return BadOptionExitCode;
        }
    }
}
