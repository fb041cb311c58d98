using Avalon.Autodiff;
using Avalon.Compiler;
using Xunit.Abstractions;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// The random programs are worth sampling: over a fixed set of them, every pass of the default pipeline
/// changes a fair share of the traced tapes, and every kind of step the builder knows occurs. A generator
/// that drifted into trivial programs would let the properties pass without testing anything.
/// </summary>
public sealed class RandomProgramCoverageTests(ITestOutputHelper output)
{
    private const int Programs = 300;

    private static IEnumerable<RandomProgram> FixedPrograms()
    {
        var random = new Random(20261203);
        for (int i = 0; i < Programs; i++)
        {
            int inputs = 1 + random.Next(4), steps = 3 + random.Next(23);
            var choices = new int[4 + random.Next(117)];
            for (int k = 0; k < choices.Length; k++) choices[k] = random.Next(10000);
            yield return RandomProgramBuilder.Build(inputs, steps, choices, (ulong)(i + 1));
        }
    }

    [Fact]
    public void EveryPassRewritesAShareOfTheProgramsAndEveryStepKindOccurs()
    {
        var passes = PassPipeline.Default().Passes;
        var changed = passes.ToDictionary(p => p.Name, _ => 0);
        var steps = new Dictionary<string, int>();
        int calls = 0;
        foreach (var program in FixedPrograms())
        {
            foreach (var s in program.Steps) steps[s.Op] = steps.GetValueOrDefault(s.Op) + 1;
            var options = CompilerTestUtil.Checked();
            var (tape, _) = Avalon.Compiler.Compiler.Trace(program.Run, program.CreateInputs(0), options);
            calls += PassPipeline.CallCount(tape);
            var context = new PassContext(options);
            foreach (var pass in passes)
            {
                string before = tape.ToString();
                tape = pass.Run(tape, context);
                if (tape.ToString() != before) changed[pass.Name]++;
            }
        }
        output.WriteLine($"{Programs} programs, {calls / (double)Programs:F1} traced calls on average");
        foreach (var (name, n) in changed) output.WriteLine($"{name}: rewrote {n} tapes");
        foreach (var (op, n) in steps.OrderByDescending(kv => kv.Value)) output.WriteLine($"{op}: {n} steps");
        foreach (var (name, n) in changed)
        {
            // pool_mask and pool_fusion rewrite model patterns around max pooling (the gradient of relu then
            // pooling; a convolution read only by a pooling); the random programs have no pooling, so PassTests,
            // ConvPoolFusionTests and the compiled CNN tests cover them instead.
            if (name is "pool_mask" or "pool_fusion") continue;
            Assert.True(n >= Programs / 20, $"{name} rewrote only {n} of {Programs} tapes");
        }
        string[] kinds =
        [
            "neg", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "square", "log1p", "expm1", "erf", "reciprocal",
            "pow_s", "add", "sub", "mul", "div", "maximum", "minimum", "pow", "where", "add_s", "sub_s", "rsub_s", "mul_s", "div_s", "clamp",
            "sum", "mean", "amax", "max_dim", "softmax", "log_softmax", "reshape", "transpose", "permute", "expand", "slice", "matmul", "transposed_product",
            "neg_neg", "transpose_twice", "reshape_twice", "mul_one", "one_mul", "add_zero", "div_one", "expand_mul", "literal", "captured",
            "inplace_add", "inplace_slice", "dropout", "rand",
        ];
        foreach (var kind in kinds) Assert.True(steps.GetValueOrDefault(kind) > 0, $"no '{kind}' step in {Programs} programs");
    }
}
