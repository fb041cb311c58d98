using System.Diagnostics;
using Avalon.Autodiff;
using Avalon.Cli.Bench.Models;
using Avalon.Compiler;
using Avalon.Compiler.CodeGen;
using static Avalon.Nn.Functional;

namespace Avalon.Cli.Bench;

/// <summary>
/// Where compiling a training step goes: traces the benchmark CNN's (or LeNet's) forward and backward
/// at a batch size, then times the pass pipeline (with each pass's own time, as AVALON_DEBUG=1 logs
/// it), preparing the memory plan, the first run (which generates the fused kernels and JIT-compiles
/// them) and a steady-state run; then does the same again for a freshly built identical model, whose
/// kernels come from the process-wide cache. Run it in a fresh process: the first figures include
/// loading and JIT-compiling the compiler itself.
/// </summary>
internal sealed class CompileBenchmark
{
    /// <summary>Compiles the step of <paramref name="modelName"/> (avalon or lenet) at <paramref name="batch"/> twice and prints where the time went.</summary>
    public int Run(string modelName, int batch)
    {
        if (modelName is not ("avalon" or "lenet")) throw new BenchOptionException($"--model must be avalon or lenet, got {modelName}.");
        if (batch < 1) throw new BenchOptionException($"--batch-size must be at least 1, got {batch}.");
        for (int round = 1; round <= 2; round++)
        {
            Console.WriteLine($"--- round {round} ({(round == 1 ? "cold process" : "kernels cached")}) ---");
            Nn.Module model = modelName == "avalon" ? new AvalonCnn() : new LeNet();
            var x = Tensor.Randn([batch, 1, 28, 28], new Generator(1));
            var y = Tensor.RandInt(0, 10, [batch], new Generator(2));
            var timer = Stopwatch.StartNew();
            var step = Grad.TraceStep(model, b => [NllLoss(model.Forward(b[0]), b[1])], x, y);
            double trace = timer.Elapsed.TotalMilliseconds;
            var log = new StringWriter();
            var options = new CompileOptions { DebugLevel = 1, DebugWriter = log, ValidateAfterEachPass = false };
            int kernelsBefore = FusedKernelCache.Count;
            double generated = 0;
            void OnGenerated(FusedKernel k) => generated += k.CompileTime.TotalMilliseconds;
            FusedKernelCache.Generated += OnGenerated;
            timer.Restart();
            var optimized = Compiler.Compiler.Optimize(step.Tape, options);
            double optimize = timer.Elapsed.TotalMilliseconds;
            timer.Restart();
            var compiled = new Compiler.Execution.CompiledTape(optimized);
            Tensor[] inputs = [.. model.Parameters(), x, y];
            double construct = timer.Elapsed.TotalMilliseconds;
            timer.Restart();
            compiled.Run(inputs);
            double first = timer.Elapsed.TotalMilliseconds;
            timer.Restart();
            compiled.Run(inputs);
            double second = timer.Elapsed.TotalMilliseconds;
            FusedKernelCache.Generated -= OnGenerated;
            Console.Write(log);
            Console.WriteLine($"trace {trace:F1} ms; passes {optimize:F1} ms; executor {construct:F1} ms; first run (plan, kernels, JIT) {first:F1} ms " +
                $"of which {FusedKernelCache.Count - kernelsBefore} kernels generated in {generated:F1} ms; a later run {second:F1} ms");
            Console.WriteLine($"compile = passes + executor + first run - later run ≈ {optimize + construct + first - second:F1} ms");
        }
        return 0;
    }
}
