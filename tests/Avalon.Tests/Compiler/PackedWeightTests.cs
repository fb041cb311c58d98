using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

/// <summary>
/// A compiled prediction keeps its weights packed between calls, keyed by storage version: every way of
/// changing the weights — a compiled training step's update, an eager optimiser step, an in-place write,
/// loading a state dict — is seen by the next compiled prediction, which equals the eager forward.
/// </summary>
public sealed class PackedWeightTests
{
    private static Sequential Mlp() =>
        new(new Linear(20, 40, generator: new Generator(1)), new ReLU(), new Linear(40, 7, generator: new Generator(2)), new Tanh(), new Linear(7, 3, bias: false, generator: new Generator(3)));

    /// <summary>Several compiled calls (the weights get packed on the second), each equal to the eager forward.</summary>
    private static void PredictAgrees(Sequential model, Avalon.Compiler.CompiledFunction predict, Tensor[] batches, string what)
    {
        model.Eval();
        using var noGrad = new NoGrad();
        foreach (var x in batches)
        {
            var expected = model.Forward(x);
            for (int call = 0; call < 3; call++)
                AssertClose(expected, predict.Invoke(x)[0], $"{what}, batch {x.Shape[0]}, call {call}", 1e-5, 1e-6);
        }
    }

    [Fact]
    public void ACompiledPredictionSeesEveryChangeOfItsWeights()
    {
        var model = Mlp();
        var predict = Avalon.Compiler.Compiler.Compile(model, Checked());
        Tensor[] batches = [Tensor.Randn([1, 20], new Generator(4)), Tensor.Randn([9, 20], new Generator(5))];
        PredictAgrees(model, predict, batches, "before training");

        var optimizer = new Sgd(model.Parameters(), lr: 0.5);
        var step = TrainStep.Compile(model, (o, t) => Functional.CrossEntropy(o, t), optimizer);
        var input = Tensor.Randn([16, 20], new Generator(6));
        var target = Tensor.RandInt(0, 3, [16], new Generator(7));
        for (int round = 0; round < 2; round++)
        {
            model.Train();
            for (int i = 0; i < 3; i++) step.Run(input, target);
            PredictAgrees(model, predict, batches, $"after compiled training steps (round {round})");
        }

        model.Train();
        for (int i = 0; i < 2; i++)
        {
            optimizer.ZeroGrad();
            Functional.CrossEntropy(model.Forward(input), target).Backward();
            optimizer.Step();
        }
        PredictAgrees(model, predict, batches, "after eager training steps");

        using (new NoGrad()) ((Linear)model[2]).Weight.Mul_(-1.5);
        PredictAgrees(model, predict, batches, "after an in-place write");

        var other = Mlp();
        using (new NoGrad()) foreach (var p in other.Parameters()) p.Mul_(3);
        model.LoadStateDict(other.StateDict());
        PredictAgrees(model, predict, batches, "after LoadStateDict");
        Assert.Equal(2, predict.TraceCount);   // one per batch size: the same parameter objects throughout
    }

    [Fact]
    public void ARowPredictedAloneOverPackedWeightsIsBitwiseThatRowOfABatch()
    {
        var model = Mlp();
        model.Eval();
        using var noGrad = new NoGrad();
        var predict = Avalon.Compiler.Compiler.Compile(model, Checked());
        var batch = Tensor.Randn([9, 20], new Generator(8));
        float[] eager = model.Forward(batch).ToArray<float>();
        for (int call = 0; call < 3; call++)
            Assert.Equal(eager, predict.Invoke(batch)[0].ToArray<float>());   // bitwise: the packed product is the packing one
        for (int call = 0; call < 3; call++)
            for (int i = 0; i < 9; i++)
            {
                float[] alone = predict.Invoke(batch.Narrow(0, i, 1).Contiguous())[0].ToArray<float>();
                Assert.True(alone.AsSpan().SequenceEqual(eager.AsSpan(i * 3, 3)), $"call {call}: row {i} alone differs from its row of the batch");
            }
    }

    [Fact]
    public void ACompiledTapeCountsAVersionForEveryTensorItWritesInPlace()
    {
        var w = Tensor.Randn([4, 3], new Generator(1));
        var f = Avalon.Compiler.Compiler.Compile(a => [a[0].Add_(a[1])], Checked());
        var d = Tensor.Ones([4, 3]);
        f.Invoke(w, d);   // traced: the eager call counts it
        int before = w.Version;
        f.Invoke(w, d);
        f.Invoke(w, d);
        Assert.Equal(before + 2, w.Version);
        Assert.Equal(0, d.Version);
    }
}
