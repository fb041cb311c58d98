using System.Diagnostics;
using System.Globalization;
using Avalon.Autodiff;
using Avalon.Compiler;

namespace Avalon.Cli.Bench;

/// <summary>
/// Where a compiled prediction's time goes (<c>avalon bench cnn|vae --profile</c>, at batch 1): the median
/// call of the compiled function, the median run of its planned tape alone (the difference is the
/// signature lookup and dispatch), and the planned kernels' time from <see cref="Compiler.Execution.CompiledTape.Profile(Tensor[], int)"/>
/// (the difference to the run is the executor's own work: input copies, the walk over the steps), by operation.
/// </summary>
internal static class PredictionProfile
{
    /// <summary>Measures <paramref name="compiled"/> on <paramref name="images"/> (already traced for their signature) and prints the breakdown.</summary>
    public static Dictionary<string, object> Print(CompiledFunction compiled, Tensor images, int reps, TextWriter output)
    {
        using var noGrad = new NoGrad();
        compiled.Invoke(images);
        var tape = compiled.LastCompiled ?? throw new InvalidOperationException("the prediction was not compiled");
        Tensor[] inputs = [images];
        long jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        double call = MedianMilliseconds(() => compiled.Invoke(images), reps);
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
        double run = MedianMilliseconds(() => tape.Run(inputs), reps);
        var rows = StepProfileSummary.ByOperation(tape.Profile(inputs, reps));
        double kernels = rows.Sum(r => r.Milliseconds);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c,
            $"profile of the compiled prediction at batch {images.Shape[0]} ({reps} runs): call {call:F3} ms = planned run {run:F3} ms + signature and dispatch {call - run:F3} ms; planned kernels {kernels:F3} ms (executor {run - kernels:F3} ms); {jitted} methods JIT-compiled during the calls"));
        foreach (var r in rows.Take(8))
            output.WriteLine(string.Create(c, $"  {r.Operation,-34} {r.Calls,5} {r.Milliseconds,11:F4} {r.Share,7:P1}"));
        return new Dictionary<string, object>
        {
            ["call_ms"] = call,
            ["run_ms"] = run,
            ["kernels_ms"] = kernels,
            ["by_op"] = rows.Select(r => r.ToJson()).ToList(),
        };
    }

    private static double MedianMilliseconds(Action action, int reps)
    {
        for (int i = 0; i < 20; i++) action();
        var times = new List<double>(reps);
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return TimedLoop.Median(times);
    }
}
