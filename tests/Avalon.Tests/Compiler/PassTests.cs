using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Passes;
using Avalon.Nn;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

/// <summary>Each pass on hand-built tapes: the op counts it should reach, and the same outputs as before on random inputs.</summary>
public sealed class PassTests
{
    private static Tape Only(ITapePass pass, Tape tape) => AssertOptimizedAgrees(tape, Checked(new PassPipeline(pass)));

    [Fact]
    public void DeadCodeRemovesUnusedCallsAndConstantsButKeepsInPlaceWritesAndSeeds()
    {
        var buffer = Tensor.Zeros(3);
        var g = new Generator(5);
        var tape = Grad.Trace(a =>
        {
            _ = a[0].Exp() * 3;                      // unused: exp, mul and its constant go
            _ = Tensor.Rand([3], g);                 // unused random call goes, its seed draw stays
            buffer.Copy_(a[0] * 2);                  // a write into a captured tensor stays
            return a[0].Sin();
        }, Tensor.Ones(3));
        Assert.Equal(1, Calls(tape, "exp"));
        var optimized = Only(new DeadCodeElimination(), tape);
        Assert.Equal(0, Calls(optimized, "exp"));
        Assert.Equal(0, Calls(optimized, "rand"));
        Assert.Single(optimized.Ops.OfType<SeedOp>());
        Assert.Equal(1, Calls(optimized, "copy_"));
        Assert.Equal(1, Calls(optimized, "mul"));
        Assert.Equal(1, Calls(optimized, "sin"));
        var x = Tensor.From(new float[] { 1, 2, 3 });
        optimized.Run(x);
        Assert.Equal(new float[] { 2, 4, 6 }, buffer.ToArray<float>());
    }

    [Fact]
    public void PoolMaskTakesTheReluMaskOnThePooledValuesWithTheSameBits()
    {
        // conv → relu → max pool, twice, as the benchmark CNNs: the training step's relu masks move before the scatters.
        var model = new Avalon.Nn.Sequential(new Avalon.Nn.Conv2d(2, 4, 3, padding: 1, generator: new Generator(3)), new Avalon.Nn.ReLU(), new Avalon.Nn.MaxPool2d(2),
            new Avalon.Nn.Conv2d(4, 4, 3, padding: 1, generator: new Generator(4)), new Avalon.Nn.ReLU(), new Avalon.Nn.MaxPool2d(2),
            new Avalon.Nn.Flatten(), new Avalon.Nn.Linear(16, 3, generator: new Generator(5)));
        var step = Grad.TraceStep(model, b => [Avalon.Nn.Functional.CrossEntropy(model.Forward(b[0]), b[1])],
            Tensor.Randn([3, 2, 8, 8], new Generator(1)), Tensor.RandInt(0, 3, [3], new Generator(2)));
        var tape = step.Tape;
        int fullMasks = tape.Ops.OfType<CallOp>().Count(c => c.Primitive.Name == "where" && c.Spec.Shape.Rank == 4 && c.Spec.Shape[2] == 8);
        Assert.Equal(1, fullMasks);
        var optimized = new PassPipeline(new PooledMaskGradient(), new DeadCodeElimination()).Run(tape, new PassContext(Checked()));
        optimized.Validate();
        var wheres = optimized.Ops.OfType<CallOp>().Where(c => c.Primitive.Name == "where" && c.Spec.Shape.Rank == 4).ToList();
        Assert.Equal(2, wheres.Count);
        Assert.All(wheres, w => Assert.True(w.Spec.Shape[2] is 4 or 2, $"{w}: the mask runs on the pooled values"));
        for (int seed = 1; seed <= 3; seed++)
        {
            var inputs = RandomInputs(tape, seed);
            var expected = tape.Run(inputs);
            var actual = optimized.Run(inputs);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i].ToDoubleArray(), actual[i].ToDoubleArray());
        }
    }

    [Fact]
    public void DeadCodeTurnsAMaxPoolWhosePositionsNothingReadsIntoTheValuesOnlyPool()
    {
        var x = Tensor.Randn([2, 3, 6, 6], new Generator(4));
        // Traced while recording, the pool returns positions too; an inference forward reads only the values.
        var inference = Grad.Trace(a => Functional.MaxPool2d(a[0], 2).Relu(), x);
        Assert.Equal(1, Calls(inference, "max_pool_with_indices"));
        var optimized = Only(new DeadCodeElimination(), inference);
        Assert.Equal(0, Calls(optimized, "max_pool_with_indices"));
        Assert.Equal(1, Calls(optimized, "max_pool"));
        Assert.Equal(inference.Run(x)[0].ToArray<float>(), optimized.Run(x)[0].ToArray<float>());
        // Positions something reads (a gradient, here a sum) keep the pool that returns them.
        var readsPositions = Grad.Trace(a =>
        {
            var (values, indices) = Functional.MaxPool2dWithIndices(a[0], [2, 2]);
            return values + indices.To(DType.Float32);
        }, x);
        var kept = Only(new DeadCodeElimination(), readsPositions);
        Assert.Equal(1, Calls(kept, "max_pool_with_indices"));
        Assert.Equal(0, Calls(kept, "max_pool"));
    }

    [Fact]
    public void DeadCodeKeepsTheGeneratorStreamOfLaterRandomCalls()
    {
        var g = new Generator(9);
        var tape = Grad.Trace(a =>
        {
            _ = Tensor.Rand([4], g);
            return a[0] + Tensor.Rand([4], g);
        }, Tensor.Zeros(4));
        var optimized = new PassPipeline(new DeadCodeElimination()).Run(tape, new PassContext(Checked()));
        g.Seed(3);
        var expected = tape.Run(Tensor.Zeros(4))[0];
        g.Seed(3);
        var actual = optimized.Run(Tensor.Zeros(4))[0];
        Assert.Equal(expected.ToArray<float>(), actual.ToArray<float>());
    }

    [Fact]
    public void CommonSubexpressionsMergeEqualPureCallsAndLiterals()
    {
        var tape = Grad.Trace(a => (a[0].Exp() * 2 + a[0].Exp() * 2) + a[0].Permute(1, 0).Permute(1, 0).Sum(), Tensor.Ones(2, 3));
        Assert.Equal(2, Calls(tape, "exp"));
        var optimized = Only(new CommonSubexpressionElimination(), tape);
        var dce = new DeadCodeElimination().Run(optimized, new PassContext());
        Assert.Equal(1, Calls(dce, "exp"));
        Assert.Equal(1, Calls(dce, "mul"));
        Assert.Single(dce.Ops.OfType<ConstantOp>(), c => c.Value.Numel == 1 && c.Value.Item() == 2);
    }

    [Fact]
    public void CommonSubexpressionsLeaveRandomCallsAndMutatedValuesAlone()
    {
        var g = new Generator(1);
        var tape = Grad.Trace(a =>
        {
            var noise = Tensor.Rand([3], g) + Tensor.Rand([3], g);
            var y = a[0].Clone();
            var before = y.Exp();
            y.Add_(1);
            var after = y.Exp();                     // reads the same id as 'before'? no: a new id, but same memory
            var v = y.Reshape(3);
            var w = y.Reshape(3);
            return noise + before + after + v + w;
        }, Tensor.Zeros(3));
        var optimized = AssertOptimizedAgrees(tape, Checked(new PassPipeline(new CommonSubexpressionElimination())), reseed: g);
        Assert.Equal(2, Calls(optimized, "rand"));
        Assert.Equal(2, Calls(optimized, "exp"));
    }

    [Fact]
    public void ConstantFoldingEvaluatesLiteralArithmeticOnly()
    {
        var captured = Tensor.From(new float[] { 1, 2, 3 });
        var tape = Grad.Trace(a =>
        {
            var literal = Tensor.Literal(2, DType.Float32, Device.Cpu).Exp() * 3;   // folds: literals only
            var fromCaptured = captured.Exp();                                      // stays: the caller may change it
            return a[0] * literal + fromCaptured;
        }, Tensor.Ones(3));
        var optimized = Only(new ConstantFolding(), tape);
        var dce = new DeadCodeElimination().Run(optimized, new PassContext());
        Assert.Equal(1, Calls(dce, "exp"));
        Assert.Equal(1, Calls(dce, "mul"));
        Assert.Equal(1, Calls(dce, "add"));
        Assert.Contains(dce.Ops.OfType<ConstantOp>(), c => c.Value.Numel == 1 && Math.Abs(c.Value.Item() - 3 * Math.Exp(2)) < 1e-4);
        // The captured tensor is read at run time.
        captured.Copy_(Tensor.Zeros(3));
        Assert.Equal(tape.Run(Tensor.Ones(3))[0].ToArray<float>(), dce.Run(Tensor.Ones(3))[0].ToArray<float>());
    }

    [Fact]
    public void ConstantFoldingFoldsCapturedTensorsTheCallerFreezes()
    {
        var captured = Tensor.From(new float[] { 1, 2, 3 });
        var tape = Grad.Trace(a => a[0] + captured.Exp(), Tensor.Ones(3));
        var options = new CompileOptions { ValidateAfterEachPass = true, FrozenConstants = new HashSet<Tensor>(ReferenceEqualityComparer.Instance) { captured } };
        var optimized = new PassPipeline(new ConstantFolding(), new DeadCodeElimination()).Run(tape, new PassContext(options));
        Assert.Equal(0, Calls(optimized, "exp"));
        AssertClose(tape.Run(Tensor.Ones(3))[0], optimized.Run(Tensor.Ones(3))[0], "frozen fold");
    }

    [Fact]
    public void ConstantFoldingLeavesConstantsTheTapeMutates()
    {
        var state = Tensor.Zeros(3);
        state.IsLiteral = true; // even a literal is not folded once the tape writes into it
        var tape = Grad.Trace(a =>
        {
            var before = state.Exp();
            state.Add_(a[0]);
            return before + state.Exp();
        }, Tensor.Ones(3));
        var optimized = new PassPipeline(new ConstantFolding()).Run(tape, new PassContext(Checked()));
        Assert.Equal(2, Calls(optimized, "exp"));
    }

    [Fact]
    public void ConstantFoldingLeavesACallWhoseResultTheTapeWritesInPlace()
    {
        // Found by CompiledEqualsEagerProperties: folding exp(frozen) into a constant made the in-place
        // add write into that constant, so every run added to the previous run's result.
        var frozen = Tensor.From(new float[] { 1, 2, 3 });
        static Tensor[] Eager(Tensor x, Tensor w)
        {
            var y = w.Exp();
            y.Add_(x);
            return [y];
        }
        var options = new CompileOptions { ValidateAfterEachPass = true, FrozenConstants = new HashSet<Tensor>(ReferenceEqualityComparer.Instance) { frozen } };
        var f = Avalon.Compiler.Compiler.Compile(a => Eager(a[0], frozen), options);
        for (int i = 0; i < 3; i++)
        {
            var x = Tensor.Full([3], i + 1);
            AssertClose(Eager(x, frozen)[0], f.Invoke(x)[0], $"call {i}");
        }
        var literal = Grad.Trace(a => (Tensor.Literal(2, DType.Float32, Device.Cpu, [3]) * 1.5).Add_(a[0]), Tensor.Ones(3));
        var optimized = new PassPipeline(new ConstantFolding()).Run(literal, new PassContext(Checked()));
        Assert.Equal(1, Calls(optimized, "mul"));
        var compiled = new Avalon.Compiler.Execution.CompiledTape(optimized);
        for (int i = 0; i < 3; i++) AssertClose(literal.Run(Tensor.Ones(3))[0], compiled.Run(Tensor.Ones(3))[0], $"literal run {i}");
    }

    [Fact]
    public void InPlaceElementwiseDoesNotWriteOverAValueWhileReadingAViewOfIt()
    {
        // Found by MemoryPlanProperties: once the first fused call wrote over the softmax, the transpose of its
        // result still named the old memory, so the second fused call wrote over h while reading h.T.
        var tape = Grad.Trace(a =>
        {
            var m = a[0].Softmax(1);              // fresh and not fusible: the first group writes over it
            var h = (m * 2 + 1).Tanh();
            var t = h.T;                          // a view of h in another layout
            return ((h.Sin() + t) * 3).Exp();     // h dies here, but t reads it transposed
        }, Tensor.Ones(3, 3));
        var optimized = AssertOptimizedAgrees(tape, Checked());
        Assert.Equal(1, optimized.Ops.OfType<CallOp>().Count(c => c.Primitive.Name == "fused_elementwise_"));
        var compiled = new Avalon.Compiler.Execution.CompiledTape(optimized);
        for (int seed = 1; seed <= 3; seed++)
        {
            var inputs = RandomInputs(tape, seed);
            AssertAllClose(tape.Run(inputs), compiled.Run(inputs), $"compiled, seed {seed}");
        }
    }

    [Fact]
    public void AlgebraicIdentitiesDisappear()
    {
        var tape = Grad.Trace(a =>
        {
            var x = a[0];
            var y = ((x * 1) + 0 - 0) / 1;
            var z = (1 * y).Neg().Neg();
            var t = z.T.T;                                   // transpose of transpose
            var r = t.Reshape(6).Reshape(3, 2).Reshape(2, 3); // reshape chain to the same shape
            var e = r.Expand(2, 3);                           // expand to the same shape
            return e.To(DType.Float32) + (0 + r);
        }, Tensor.Ones(2, 3));
        var optimized = AssertOptimizedAgrees(tape, Checked(new PassPipeline(new AlgebraicSimplification(), new DeadCodeElimination())));
        Assert.Equal(1, Calls(optimized));
        Assert.Equal(1, Calls(optimized, "add"));
    }

    [Fact]
    public void IdentitiesThatChangeTheShapeOrDTypeStay()
    {
        var tape = Grad.Trace(a => (a[0] * Tensor.Ones(2, 3)) + (a[0].Reshape(3) * 1).Sum(), Tensor.Ones(3));
        var optimized = AssertOptimizedAgrees(tape, Checked(new PassPipeline(new AlgebraicSimplification(), new DeadCodeElimination())));
        Assert.Equal(1, Calls(optimized, "mul"));                      // x * ones(2,3) broadcasts: stays (not a literal either)
        Assert.Equal(0, Calls(optimized, "reshape"));                  // reshape to its own shape goes
    }

    [Fact]
    public void PermutesComposeAndBroadcastOfAScalarIsDropped()
    {
        var tape = Grad.Trace(a =>
        {
            var p = a[0].Permute(1, 2, 0).Permute(2, 0, 1).Permute(0, 2, 1);   // = permute(0, 2, 1)
            var scale = Tensor.Literal(3, DType.Float32, Device.Cpu).Expand(2, 4, 3);
            return p * scale;
        }, Tensor.Ones(2, 3, 4));
        var optimized = AssertOptimizedAgrees(tape, Checked(new PassPipeline(new AlgebraicSimplification(), new DeadCodeElimination())));
        Assert.Equal(1, Calls(optimized, "permute"));
        Assert.Equal(0, Calls(optimized, "expand"));
        var permute = optimized.Ops.OfType<CallOp>().Single(c => c.Primitive.Name == "permute");
        Assert.Equal(new[] { 0, 2, 1 }, permute.Attributes.Ints("dims"));
    }

    [Fact]
    public void SimplificationDoesNotAliasAValueTheTapeWritesIntoWithAnother()
    {
        // y = x * 1 is a fresh buffer written in place afterwards: replacing it by x would write into x.
        var tape = Grad.Trace(a =>
        {
            var y = a[0] * 1;
            y.Add_(5);
            return a[0] + y;
        }, Tensor.Ones(3));
        var optimized = AssertOptimizedAgrees(tape, Checked());
        Assert.Equal(1, Calls(optimized, "mul"));
    }
}
