using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Primitives;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

public sealed class PassPipelineTests
{
    private sealed class RecordingPass(string name, List<string> log) : ITapePass
    {
        public string Name => name;

        public Tape Run(Tape tape, PassContext context)
        {
            log.Add(name);
            return tape;
        }
    }

    /// <summary>Rewrites every exp into a call with a wrong recorded spec: validation must catch it.</summary>
    private sealed class BreakingPass : ITapePass
    {
        public string Name => "breaking";

        public Tape Run(Tape tape, PassContext context) =>
            new(tape.Ops.Select(op => op is CallOp { Primitive.Name: "exp" } c ? c with { Spec = c.Spec with { Shape = new Shape(7) } } : op), tape.Outputs);
    }

    private static Tape SampleTape() => Grad.Trace(a => (a[0] * 1).Exp() + a[0].Exp(), Tensor.Ones(2, 2));

    [Fact]
    public void DefaultPipelineListsThePassesInOrder()
    {
        Assert.Equal(new[] { "algebraic_simplification", "matmul_transpose", "constant_folding", "common_subexpressions", "pool_mask", "dead_code", "elementwise_fusion", "epilogue_fusion", "pool_fusion", "in_place_elementwise" },
            PassPipeline.Default().Passes.Select(p => p.Name));
    }

    [Fact]
    public void UserPassesGoWhereTheyAreInsertedAndDisabledPassesDoNotRun()
    {
        var log = new List<string>();
        var pipeline = PassPipeline.Default()
            .InsertBefore("constant_folding", new RecordingPass("before_fold", log))
            .InsertAfter("dead_code", new RecordingPass("last", log))
            .Add(new RecordingPass("disabled_here", log))
            .Disable("disabled_here");
        Assert.Equal("before_fold", pipeline.Passes[2].Name);
        Assert.Equal("last", pipeline.Passes[7].Name);
        Assert.Equal("elementwise_fusion", pipeline.Passes[8].Name);
        // Fusion off too: the assertions below count the unfused calls.
        var options = new CompileOptions { Pipeline = pipeline, ValidateAfterEachPass = true, DisabledPasses = new HashSet<string> { "common_subexpressions", "elementwise_fusion" } };
        var optimized = Avalon.Compiler.Compiler.Optimize(SampleTape(), options);
        Assert.Equal(new[] { "before_fold", "last" }, log);
        Assert.Equal(2, Calls(optimized, "exp"));          // CSE was off: both exps stay
        Assert.Equal(0, Calls(optimized, "mul"));          // x*1 went
        var withCse = Avalon.Compiler.Compiler.Optimize(SampleTape(), new CompileOptions { ValidateAfterEachPass = true, DisabledPasses = new HashSet<string> { "elementwise_fusion" } });
        Assert.Equal(1, Calls(withCse, "exp"));
    }

    [Fact]
    public void BadNamesAreRefused()
    {
        var pipeline = PassPipeline.Default();
        var e = Assert.Throws<ArgumentException>(() => pipeline.Disable("dead_cod"));
        Assert.Contains("no pass named 'dead_cod'", e.Message);
        Assert.Contains("dead_code", e.Message);
        Assert.Throws<ArgumentException>(() => pipeline.Add(new RecordingPass("dead_code", [])));
        Assert.Throws<ArgumentException>(() => pipeline.InsertAfter("missing", new RecordingPass("x", [])));
    }

    [Fact]
    public void ValidationNamesThePassThatBrokeTheTape()
    {
        var options = Checked(new PassPipeline(new BreakingPass()));
        var e = Assert.Throws<InvalidOperationException>(() => Avalon.Compiler.Compiler.Optimize(SampleTape(), options));
        Assert.Contains("pass breaking", e.Message);
        Assert.Contains("exp", e.Message);
    }

    [Fact]
    public void DebugLevelOneListsPassesWithCountsAndLevelTwoPrintsTheTapes()
    {
        var one = new StringWriter();
        Avalon.Compiler.Compiler.Prepare(SampleTape(), new CompileOptions { DebugLevel = 1, DebugWriter = one }).Run(Tensor.Ones(2, 2));
        string text1 = one.ToString();
        Assert.Contains("pass dead_code: ", text1);
        Assert.Contains("pass algebraic_simplification: 4 → 3 calls", text1);
        Assert.Contains("pass common_subexpressions: 3 → 2 calls", text1);
        Assert.Contains("memory plan:", text1);
        Assert.DoesNotContain("exp(", text1);
        var two = new StringWriter();
        Avalon.Compiler.Compiler.Optimize(SampleTape(), new CompileOptions { DebugLevel = 2, DebugWriter = two });
        string text2 = two.ToString();
        Assert.Contains("--- tape after dead_code ---", text2);
        Assert.Contains("= exp(%", text2);
    }
}
