using Avalon.Autodiff;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>
/// A forward recorded with <see cref="Grad.Trace"/> and replayed on other inputs gives what eager forward
/// gives on them, for every registered module: nothing the module decides from the recorded input's values
/// may be frozen into the tape.
/// </summary>
public sealed class RegistryTapeReplayTests
{
    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void ReplayOnNewInputsEqualsEagerForward(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.TapeReplay)) return;
        // Random modules are replayed in evaluation mode only: their masks are drawn once, at recording.
        bool[] modes = entry.RandomInTraining ? [false] : [false, true];
        foreach (bool training in modes)
        {
            for (int s = 0; s < entry.Samples.Count; s++)
            {
                var sample = entry.Samples[s];
                var model = entry.Create(new Generator(ModelSeed)).Train(training);
                var recorded = Inputs(sample, s, DType.Float32);
                var fresh = Inputs(sample, s, DType.Float32, variant: 5);
                var tape = Grad.Trace(xs => entry.Run(model, xs), recorded);
                var replayed = tape.Run(fresh);
                Assert.Single(replayed);
                var eager = entry.Run(model, fresh);
                AssertClose(eager, replayed[0], $"{name} sample {s} ({(training ? "train" : "eval")}) replay", 1e-6, 1e-6);
            }
        }
    }
}
