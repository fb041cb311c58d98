using Avalon.Compiler;
using Avalon.Nn;
using Avalon.Tests.Nn.ModuleRegistry;
using ModuleEntry = Avalon.Tests.Nn.ModuleRegistry.ModuleEntry;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// For every registered module (the registry the generic module tests run over), the compiled forward
/// (<c>Compiler.Compile</c> of a call of the module, default pipeline) equals the eager forward in
/// training and in evaluation mode, on the traced batch and on two fresh ones; running statistics updated
/// in place end equal, and random modules (dropout) draw the same masks from their generators.
/// </summary>
public sealed class CompiledModuleForwardTests
{
    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    /// <summary>
    /// Entries whose trace reads a recorded value on the host that depends on no input: the unsorted packed
    /// LSTM sorts its (constant) lengths with a recorded call and reads the order back. Such a read gives the
    /// same answer on every replay, so <c>Compile</c> accepts it by default (<see cref="Avalon.Autodiff.Tape.HostReads"/>
    /// does not list it), and the compiled forward must match eager code.
    /// </summary>
    private static readonly HashSet<string> ReadsOnTheHost = ["LSTM(packed,unsorted,bidirectional)"];

    [Theory]
    [MemberData(nameof(Entries))]
    public void CompiledForwardEqualsEagerForwardInBothModes(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.TapeReplay)) return;
        foreach (bool training in (bool[])[true, false])
        {
            for (int s = 0; s < entry.Samples.Count; s++)
            {
                var sample = entry.Samples[s];
                string what = $"{name} sample {s} ({(training ? "train" : "eval")})";
                var eager = Create(entry, training);
                var traced = Create(entry, training);
                var options = CompilerTestUtil.Checked();
                if (ReadsOnTheHost.Contains(name))
                {
                    var tape = Avalon.Autodiff.Grad.Trace(xs => entry.Call(Create(entry, training), xs), Inputs(sample, s, DType.Float32));
                    Assert.Empty(tape.HostReads);
                }
                var f = Avalon.Compiler.Compiler.Compile(xs => [entry.Call(traced, xs)], options);
                for (int variant = 0; variant < 3; variant++)
                {
                    var inputs = Inputs(sample, s, DType.Float32, variant);
                    var expected = entry.Call(eager, inputs);
                    var actual = f.Invoke(inputs);
                    AssertClose(expected, actual[0], $"{what} call {variant}", 1e-5, 1e-5);
                }
                Assert.Equal(1, f.TraceCount);
                var tracedBuffers = traced.NamedBuffers().ToDictionary(b => b.Key, b => b.Value);
                foreach (var (buffer, value) in eager.NamedBuffers())
                    AssertClose(value, tracedBuffers[buffer], $"{what} buffer {buffer}", 1e-5, 1e-6);
            }
        }
    }

    /// <summary>The module in the given mode, its random submodules given generators of a fixed seed (so both twins draw the same masks).</summary>
    private static Module Create(ModuleEntry entry, bool training)
    {
        Generator.ManualSeed(77);                                  // modules that initialise from the default generator
        var module = entry.Create(new Generator(ModelSeed)).Train(training);
        ModuleEntry.Reseed(module);
        return module;
    }
}
