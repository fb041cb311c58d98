using Avalon.Autodiff;
using Avalon.Compiler.Memory;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

public sealed class MemoryPlannerTests
{
    /// <summary>No two buffers of one arena that are live at a common position overlap in memory.</summary>
    private static void AssertNoLiveOverlap(MemoryPlan plan)
    {
        var buffers = plan.Buffers;
        for (int i = 0; i < buffers.Count; i++)
        {
            var a = buffers[i];
            Assert.True(a.Offset % MemoryPlanner.Alignment == 0, $"buffer {a} is not aligned");
            Assert.True(a.Offset + a.Length <= plan.Arenas[a.Arena].Length, $"buffer {a} ends past its arena");
            for (int j = i + 1; j < buffers.Count; j++)
            {
                var b = buffers[j];
                if (a.Arena != b.Arena || !a.LiveTogetherWith(b) || a.Length == 0 || b.Length == 0) continue;
                bool disjoint = a.Offset + a.Length <= b.Offset || b.Offset + b.Length <= a.Offset;
                Assert.True(disjoint, $"buffers {a} and {b} are live together and overlap");
            }
        }
    }

    [Fact]
    public void AChainReusesTwoBuffers()
    {
        var tape = Grad.Trace(a => a[0].Exp().Sin().Exp().Sin(), Tensor.Ones(1000));
        var plan = MemoryPlanner.Plan(tape);
        AssertNoLiveOverlap(plan);
        Assert.Equal(4, plan.Buffers.Count);
        var arena = Assert.Single(plan.Arenas);
        Assert.Equal(4000, arena.BufferElements);
        Assert.Equal(1008 + 1000, arena.Length);           // two buffers, the second at an aligned offset
        Assert.Contains("memory plan: 4 buffers", plan.ToString());
    }

    [Fact]
    public void AViewKeepsItsBaseAliveAndOutputsLiveToTheEnd()
    {
        var tape = Grad.Trace(a =>
        {
            var y = a[0].Exp();
            var v = y.T;                                       // a view: y must live while v is read
            var z = a[0].Sin().Cos().Exp();                    // would reuse y's memory if y died early
            return v.Sum() + z.Sum();
        }, Tensor.Ones(8, 8));
        var plan = MemoryPlanner.Plan(tape);
        AssertNoLiveOverlap(plan);
        int yId = tape.Ops.OfType<CallOp>().First(c => c.Primitive.Name == "exp").Id;
        Assert.True(plan.TryGetBuffer(yId, out var y));
        int lastReadOfView = tape.Ops.ToList().FindIndex(op => op is CallOp { Primitive.Name: "sum" } c && tape[c.Args[0]] is CallOp { Primitive.Name: "permute" });
        Assert.True(y.End >= lastReadOfView, $"exp's buffer ends at {y.End}, its view is read at {lastReadOfView}");
        int permuteId = tape.Ops.OfType<CallOp>().Single(c => c.Primitive.Name == "permute").Id;
        Assert.False(plan.TryGetBuffer(permuteId, out _));
        Assert.True(plan.TryGetBuffer(tape.Outputs[0], out var output));
        Assert.Equal(tape.Ops.Count, output.End);
    }

    [Fact]
    public void ATrainingStepPlanReusesMemoryWithoutLiveOverlaps()
    {
        var model = Mlp(3, inFeatures: 32, hidden: 64, classes: 10);
        var step = Grad.TraceStep(model, b => [Avalon.Nn.Functional.CrossEntropy(model.Forward(b[0]), b[1])],
            Tensor.Randn([16, 32], new Generator(1)), Tensor.RandInt(0, 10, [16], new Generator(2)));
        var tape = Avalon.Compiler.Compiler.Optimize(step.Tape, Checked());
        var plan = MemoryPlanner.Plan(tape);
        AssertNoLiveOverlap(plan);
        Assert.True(plan.ArenaBytes < plan.BufferBytes, plan.ToString());
    }
}
