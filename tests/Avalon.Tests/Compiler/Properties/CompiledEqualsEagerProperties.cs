using Avalon.Compiler;
using static Avalon.Tests.Compiler.CompilerTestUtil;
using static Avalon.Tests.Compiler.Properties.ProgramProperties;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// A compiled random program gives what the program gives eagerly, on the traced inputs and on fresh
/// ones, with every pass of the default pipeline and with each one switched off by name in turn.
/// </summary>
public sealed class CompiledEqualsEagerProperties
{
    /// <summary>The names of the default pipeline's passes.</summary>
    public static TheoryData<string> PassNames()
    {
        var data = new TheoryData<string>();
        foreach (var pass in PassPipeline.Default().Passes) data.Add(pass.Name);
        return data;
    }

    [Fact]
    public void WithEveryPassTheCompiledProgramEqualsTheEagerOne() =>
        Check(Programs, program => AssertCompiledEqualsEager(program, Checked()), iterations: 300);

    /// <summary>Values of 64K elements and more (elementwise work split into parallel chunks) give the eager results.</summary>
    [Fact]
    public void WithLargeValuesTheCompiledProgramEqualsTheEagerOne() =>
        Check(LargePrograms, program => AssertCompiledEqualsEager(program, Checked()), iterations: 20);

    /// <summary>
    /// A program that writes in place into its inputs and into values other steps have read already: the
    /// compiled run writes into the caller's tensors as the eager run does (each run gets its own copies of
    /// the same draw), and every read sees the value it sees in eager code.
    /// </summary>
    [Fact]
    public void WritesIntoInputsReachTheCallersTensorsAsInEagerCode() =>
        Check(InputWritingPrograms, program =>
        {
            var f = Avalon.Compiler.Compiler.Compile(program.Run, Checked());
            f.Invoke(program.CreateInputs(0));
            for (int variant = 1; variant <= 3; variant++)
            {
                var forEager = program.CreateInputs(variant);
                var forCompiled = program.CreateInputs(variant);
                program.Reseed(variant);
                var expected = program.Run(forEager);
                program.Reseed(variant);
                AssertAllClose(expected, f.Invoke(forCompiled), $"compiled run on input draw {variant}", Rtol, Atol);
                AssertAllClose(forEager, forCompiled, $"inputs after the run on input draw {variant}", Rtol, Atol);
            }
        }, iterations: 300);

    /// <summary>Inputs the caller passes as strided views (traced so, bound so, and later copied into slots) give the eager results.</summary>
    [Fact]
    public void WithStridedInputsTheCompiledProgramEqualsTheEagerOne() =>
        Check(Programs, program =>
        {
            var f = Avalon.Compiler.Compiler.Compile(program.Run, Checked());
            var traced = program.CreateStridedInputs(0);
            f.Invoke(traced);
            for (int variant = 0; variant <= 3; variant++)
            {
                var inputs = variant == 0 ? traced : variant == 3 ? program.CreateInputs(variant) : program.CreateStridedInputs(variant);
                program.Reseed(variant);
                var expected = program.Run(inputs);
                program.Reseed(variant);
                AssertAllClose(expected, f.Invoke(inputs), $"compiled run on {(variant == 3 ? "dense" : "strided")} input draw {variant}", Rtol, Atol);
            }
        }, iterations: 150);

    /// <summary>
    /// With the captured tensors declared frozen, constant folding and simplification may use their values
    /// (and must still leave alone what the program writes in place).
    /// </summary>
    [Fact]
    public void WithTheCapturedTensorsFrozenTheCompiledProgramEqualsTheEagerOne() =>
        Check(Programs, program =>
        {
            var frozen = new HashSet<Tensor>(program.CapturedTensors, ReferenceEqualityComparer.Instance);
            AssertCompiledEqualsEager(program, new CompileOptions { ValidateAfterEachPass = true, DebugLevel = 0, FrozenConstants = frozen });
        }, iterations: 150);

    [Theory]
    [MemberData(nameof(PassNames))]
    public void WithOnePassOffTheCompiledProgramEqualsTheEagerOne(string pass) =>
        Check(Programs, program =>
        {
            var options = new CompileOptions { ValidateAfterEachPass = true, DebugLevel = 0, DisabledPasses = new HashSet<string> { pass } };
            AssertCompiledEqualsEager(program, options);
        }, iterations: 80);

    /// <summary>
    /// Traces on one draw of inputs, then runs the compiled tape on those same tensor objects (bound by
    /// reference) and on two fresh draws (copied into slots), each against the eager program from the same
    /// generator state.
    /// </summary>
    internal static void AssertCompiledEqualsEager(RandomProgram program, CompileOptions options)
    {
        var f = Avalon.Compiler.Compiler.Compile(program.Run, options);
        var traced = program.CreateInputs(0);
        f.Invoke(traced);
        for (int variant = 0; variant <= 2; variant++)
        {
            var inputs = variant == 0 ? traced : program.CreateInputs(variant);
            program.Reseed(variant);                                  // random steps draw the same numbers in both runs
            var expected = program.Run(inputs);
            program.Reseed(variant);
            AssertAllClose(expected, f.Invoke(inputs), variant == 0 ? "compiled run on the traced inputs" : $"compiled run on input draw {variant}", Rtol, Atol);
        }
        Assert.Equal(1, f.TraceCount);
    }
}
