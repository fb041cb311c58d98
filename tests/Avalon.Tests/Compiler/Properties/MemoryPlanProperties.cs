using Avalon.Autodiff;
using Avalon.Compiler.Execution;
using Avalon.Compiler.Memory;
using Avalon.Primitives;
using static Avalon.Tests.Compiler.CompilerTestUtil;
using static Avalon.Tests.Compiler.Properties.ProgramProperties;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// The memory plan of a compiled random program never gives two values that are live at the same time
/// overlapping memory, and the outputs' buffers are pairwise disjoint. Liveness is computed here from the
/// compiled tape, independently of the planner: a value's memory belongs to its root (a view's base, an
/// in-place result's target, recursively), and a root is live from the op that defines it to the last op
/// that reads or writes any value with that root — a view keeps its base live as long as anything derived
/// from it is read — or to the end when such a value is returned.
/// </summary>
public sealed class MemoryPlanProperties
{
    [Fact]
    public void LiveValuesNeverShareMemoryAndOutputsAreDisjoint() =>
        Check(Programs, AssertPlansAreSound, iterations: 200);

    /// <summary>The same for programs that write in place into their inputs and into values read before.</summary>
    [Fact]
    public void WithInPlaceWritesLiveValuesNeverShareMemory() =>
        Check(InputWritingPrograms, AssertPlansAreSound, iterations: 150);

    private static void AssertPlansAreSound(RandomProgram program)
    {
        var f = Avalon.Compiler.Compiler.Compile(program.Run, Checked());
        var traced = program.CreateInputs(0);
        f.Invoke(traced);
        f.Invoke(traced);                                            // inputs bound by reference
        AssertPlanIsSound(f.LastCompiled!, "inputs bound by reference");
        program.Reseed(1);
        var expected = program.Run(program.CreateInputs(1));         // its own copy of the draw: the program may write into it
        program.Reseed(1);
        AssertAllClose(expected, f.Invoke(program.CreateInputs(1)), "run on new input objects", Rtol, Atol);
        AssertPlanIsSound(f.LastCompiled!, "inputs in arena slots");  // re-planned with the inputs' slots
    }

    /// <summary>A gradient tape's plan (forward and backward, saved activations) obeys the same rules.</summary>
    [Fact]
    public void GradientTapePlansAreSound() =>
        Check(Programs, program =>
        {
            var inputs = program.CreateInputs(0);
            var result = Grad.Of(a => program.Run(a).Select(o => o.Sum()).Aggregate((s, t) => s + t), inputs);
            var compiled = Avalon.Compiler.Compiler.Prepare(result.Tape, Checked());
            var fresh = program.CreateInputs(1);
            program.Reseed(1);
            var expected = result.Tape.Run(fresh);
            program.Reseed(1);
            AssertAllClose(expected, compiled.Run(fresh), "compiled gradient tape", Rtol, Atol);
            AssertPlanIsSound(compiled, "gradient tape");
        }, iterations: 100);

    private static void AssertPlanIsSound(CompiledTape compiled, string what)
    {
        var plan = compiled.Plan ?? throw new InvalidOperationException("no plan after a run");
        var tape = compiled.Tape;
        var ops = tape.Ops;
        var root = new Dictionary<int, int>();
        var defined = new Dictionary<int, int>();                     // root -> the op index writing it first
        var lastUse = new Dictionary<int, int>();                     // root -> the last op index touching it
        void Touch(int id, int at)
        {
            int r = root[id];
            lastUse[r] = Math.Max(lastUse.GetValueOrDefault(r, at), at);
        }
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op is not CallOp call)
            {
                root[op.Id] = op.Id;
                defined[op.Id] = i;
                continue;
            }
            foreach (int a in call.Args) Touch(a, i);
            var effects = call.Primitive.Effects;
            for (int k = 0; k < call.OutputCount; k++)
            {
                int id = call.Id + k;
                bool owns = plan.TryGetBuffer(id, out _);
                if (owns)
                {
                    Assert.True(call.Primitive is not ViewPrimitive || call.Primitive.Name == "reshape",
                        $"{what}: the view %{id} ({call.Primitive.Name}) owns a buffer; only a reshape that cannot be a view copies.\n{tape}");
                    root[id] = id;
                    defined[id] = i;
                }
                else if (call.Primitive is ViewPrimitive) root[id] = root[call.Args[effects.ViewOfInput]];
                else if (effects.IsInPlace && k < effects.MutatedInputs.Count) root[id] = root[call.Args[effects.MutatedInputs[k]]];
                else Assert.Fail($"{what}: %{id} ({call.Primitive.Name}) computes fresh values but has no buffer.\n{tape}");
                Touch(id, i);                                        // an in-place write touches its target here
            }
        }
        foreach (int o in tape.Outputs) Touch(o, ops.Count);

        // Every buffer: aligned, inside its arena, as large as its value, and its declared life covering the real one.
        var lives = new List<(PlannedBuffer Buffer, int Start, int End, string Name)>();
        foreach (var b in plan.Buffers)
        {
            Assert.True(b.Offset % MemoryPlanner.Alignment == 0, $"{what}: buffer {b} is not aligned");
            Assert.True((long)b.Offset + b.Length <= plan.Arenas[b.Arena].Length, $"{what}: buffer {b} ends past its arena");
            if (b.ValueId < 0)
            {
                lives.Add((b, b.Start, b.End, $"scratch of op {b.Start}"));
                continue;
            }
            var spec = tape[b.ValueId].OutputSpec(b.ValueId - tape[b.ValueId].Id);
            Assert.True(b.Length >= spec.Shape.Numel, $"{what}: %{b.ValueId} ({spec}) has a buffer of {b.Length} elements");
            Assert.True(plan.Arenas[b.Arena].DType == spec.DType, $"{what}: %{b.ValueId} ({spec}) lies in a {plan.Arenas[b.Arena].DType} arena");
            int start = defined[b.ValueId], end = lastUse.GetValueOrDefault(b.ValueId, start);
            if (tape[b.ValueId] is InputOp)
            {
                // Planned from its own op, which is equivalent to the start while no call comes before it.
                int firstCall = ops.ToList().FindIndex(op => op is CallOp);
                Assert.True(firstCall < 0 || tape.Ops.ToList().FindIndex(op => op.Id == b.ValueId) < firstCall,
                    $"{what}: the input %{b.ValueId} in a slot comes after a call, but its copy is made before the first call\n{tape}");
                start = b.Start;
            }
            Assert.True(b.Start <= start && end <= b.End,
                $"{what}: %{b.ValueId} is live over ops {start}..{end} but its buffer is planned for {b.Start}..{b.End}\n{tape}");
            lives.Add((b, start, end, "%" + b.ValueId));
        }
        for (int i = 0; i < lives.Count; i++)
            for (int j = i + 1; j < lives.Count; j++)
            {
                var (a, sa, ea, na) = lives[i];
                var (b, sb, eb, nb) = lives[j];
                if (a.Arena != b.Arena || a.Length == 0 || b.Length == 0 || ea < sb || eb < sa) continue;
                Assert.True(a.Offset + a.Length <= b.Offset || b.Offset + b.Length <= a.Offset,
                    $"{what}: {na} (live {sa}..{ea}, elements {a.Offset}..{a.Offset + a.Length}) and {nb} (live {sb}..{eb}, elements {b.Offset}..{b.Offset + b.Length}) overlap\n{tape}");
            }

        // Outputs of different roots never share memory.
        var outputs = tape.Outputs;
        for (int i = 0; i < outputs.Count; i++)
            for (int j = i + 1; j < outputs.Count; j++)
            {
                int ri = root[outputs[i]], rj = root[outputs[j]];
                if (ri == rj || !plan.TryGetBuffer(ri, out var bi) || !plan.TryGetBuffer(rj, out var bj) || bi.Arena != bj.Arena) continue;
                Assert.True(bi.Offset + bi.Length <= bj.Offset || bj.Offset + bj.Length <= bi.Offset,
                    $"{what}: outputs {i} (%{outputs[i]}) and {j} (%{outputs[j]}) share memory");
            }
    }
}
