using Avalon.Compiler.Execution;
using static Avalon.Tests.Compiler.CompilerTestUtil;
using static Avalon.Tests.Compiler.Properties.ProgramProperties;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// The passes alone, apart from the executor: the optimised tape of a random program, replayed call by
/// call (<c>Tape.Run</c>), gives what the traced tape gives; and optimising an optimised tape (fused and
/// in-place calls included) keeps a valid tape with the same results, replayed and compiled.
/// </summary>
public sealed class TapeOptimizationProperties
{
    [Fact]
    public void TheOptimizedTapeReplaysAsTheTracedOneAndOptimizingAgainKeepsItsResults() =>
        Check(Programs, program =>
        {
            var options = Checked();
            var (tape, _) = Avalon.Compiler.Compiler.Trace(program.Run, program.CreateInputs(0), options);
            var optimized = Avalon.Compiler.Compiler.Optimize(tape, options);
            var again = Avalon.Compiler.Compiler.Optimize(optimized, options);
            again.Validate();
            var compiled = new CompiledTape(again);
            for (int variant = 1; variant <= 2; variant++)
            {
                var inputs = program.CreateInputs(variant);
                program.Reseed(variant);
                var expected = tape.Run(inputs);
                program.Reseed(variant);
                AssertAllClose(expected, optimized.Run(inputs), $"optimised tape replayed, input draw {variant}", Rtol, Atol);
                program.Reseed(variant);
                AssertAllClose(expected, again.Run(inputs), $"twice-optimised tape replayed, input draw {variant}", Rtol, Atol);
                program.Reseed(variant);
                AssertAllClose(expected, compiled.Run(inputs), $"twice-optimised tape compiled, input draw {variant}", Rtol, Atol);
            }
        }, iterations: 200);
}
