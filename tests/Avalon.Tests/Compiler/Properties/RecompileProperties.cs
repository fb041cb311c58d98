using CsCheck;
using static Avalon.Tests.Compiler.CompilerTestUtil;
using static Avalon.Tests.Compiler.Properties.ProgramProperties;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// A compiled function keeps no stale state between runs, and a new input signature compiles again: a
/// function that runs one random program on one set of input shapes and another program on another is
/// traced once per signature, and every later call, in any order, gives its own program's eager results.
/// </summary>
public sealed class RecompileProperties
{
    private static bool SameSpecs(Tensor[] inputs, RandomProgram program) =>
        inputs.Length == program.InputShapes.Length && inputs.Select((x, k) => x.Shape.ToArray().SequenceEqual(program.InputShapes[k])).All(b => b);

    private static bool SameSignature(RandomProgram p, RandomProgram q) =>
        p.InputShapes.Length == q.InputShapes.Length && p.InputShapes.Zip(q.InputShapes).All(s => s.First.SequenceEqual(s.Second));

    [Fact]
    public void RunsOnNewInputsGiveNewResultsAndANewSignatureRecompiles() =>
        Check(Gen.Select(Programs, Programs).Where(t => !SameSignature(t.Item1, t.Item2)), pair =>
        {
            var (p, q) = pair;
            var f = Avalon.Compiler.Compiler.Compile(xs => SameSpecs(xs, p) ? p.Run(xs) : q.Run(xs), Checked());
            f.Invoke(p.CreateInputs(0));
            f.Invoke(q.CreateInputs(0));
            Assert.Equal(2, f.TraceCount);
            Assert.Equal(2, f.CacheSize);
            foreach (var (program, variant) in new[] { (p, 1), (p, 2), (q, 1), (p, 3), (q, 2), (q, 3), (p, 1) })
            {
                var inputs = program.CreateInputs(variant);
                program.Reseed(variant);
                var expected = program.Run(inputs);
                program.Reseed(variant);
                AssertAllClose(expected, f.Invoke(inputs), $"{(program == p ? "first" : "second")} program, input draw {variant}", Rtol, Atol);
            }
            Assert.Equal(2, f.TraceCount);
        }, iterations: 100);

    /// <summary>With <c>CopyOutputs</c>, the results of a run are the caller's: later runs leave them as they were.</summary>
    [Fact]
    public void CopiedOutputsKeepTheirValuesThroughLaterRuns() =>
        Check(Programs, program =>
        {
            var f = Avalon.Compiler.Compiler.Compile(program.Run, new Avalon.Compiler.CompileOptions { ValidateAfterEachPass = true, DebugLevel = 0, CopyOutputs = true });
            f.Invoke(program.CreateInputs(0));
            var kept = new List<(Tensor[] Expected, Tensor[] Actual, int Variant)>();
            for (int variant = 1; variant <= 3; variant++)
            {
                var inputs = program.CreateInputs(variant);
                program.Reseed(variant);
                var expected = program.Run(inputs).Select(t => t.Clone()).ToArray();
                program.Reseed(variant);
                kept.Add((expected, f.Invoke(inputs), variant));
            }
            foreach (var (expected, actual, variant) in kept)
                AssertAllClose(expected, actual, $"copied outputs of input draw {variant} after three runs", Rtol, Atol);
        }, iterations: 80);
}
