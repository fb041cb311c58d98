using Avalon.Autodiff;
using Avalon.Nn;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>
/// A training step traced with <see cref="Grad.TraceStep"/> on one batch and replayed on the next gives
/// what the eager step gives on that next batch — loss, a metric, every parameter gradient and every
/// buffer afterwards (batch-norm running statistics) — for every registered module, in training mode
/// (dropout included: the replay draws fresh masks from the same generator) and in evaluation mode.
/// </summary>
public sealed class RegistryTrainStepReplayTests
{
    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void ReplayOnTheNextBatchEqualsTheEagerStep(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.TapeReplay)) return;
        foreach (bool training in (bool[])[true, false])
        {
            for (int s = 0; s < entry.Samples.Count; s++)
            {
                var sample = entry.Samples[s];
                if (sample.OutputShape.Contains(0)) continue;   // nothing to train on an empty batch
                var weights = OutputWeights(sample, DType.Float32);
                var batch1 = Inputs(sample, s, DType.Float32);
                var batch2 = Inputs(sample, s, DType.Float32, variant: 5);
                string what = $"{name} sample {s} ({(training ? "train" : "eval")})";
                // Dropout (and attention dropout) draws from one generator per model for the whole sequence (entry.Run would
                // give it a fresh generator on every call), so eager and replay see the same stream.
                Module Prepare(Module m)
                {
                    ModuleEntry.Reseed(m);
                    return m;
                }
                Tensor[] Step(Module m, Tensor[] xs)
                {
                    var y = entry.Call(m, xs);
                    return [(y * weights).Sum(), y.Abs().Mean()];
                }

                // Eager: two steps from the same state and generator.
                Generator.ManualSeed(77);
                var eagerModel = Prepare(entry.Create(new Generator(ModelSeed)).Train(training));
                Step(eagerModel, batch1);
                eagerModel.ZeroGrad();
                var eager = Step(eagerModel, batch2);
                bool hasGrads = eagerModel.Parameters().Any(p => p.RequiresGrad);
                if (hasGrads) eager[0].Backward();

                // Traced on the first batch, replayed on the second.
                Generator.ManualSeed(77);
                var tracedModel = Prepare(entry.Create(new Generator(ModelSeed)).Train(training));
                var step = Grad.TraceStep(tracedModel, xs => Step(tracedModel, xs), batch1);
                var (outputs, grads) = step.Run(batch2);

                AssertClose(eager[0], outputs[0], what + " loss", 1e-5, 1e-5);
                AssertClose(eager[1], outputs[1], what + " metric", 1e-5, 1e-5);
                foreach (var (pname, p) in eagerModel.NamedParameters())
                {
                    if (!p.RequiresGrad) continue;
                    Assert.True(grads.ContainsKey(pname), $"{what}: no gradient for {pname}");
                    AssertClose(p.Grad ?? Tensor.ZerosLike(p), grads[pname], $"{what} d/d {pname}", 1e-4, 1e-5);
                }
                var tracedBuffers = tracedModel.NamedBuffers().ToDictionary(b => b.Key, b => b.Value);
                foreach (var (bname, b) in eagerModel.NamedBuffers())
                    AssertClose(b, tracedBuffers[bname], $"{what} buffer {bname}", 1e-5, 1e-6);
            }
        }
    }
}
