using Avalon.Nn;

namespace Avalon.Cli.Bench;

/// <summary>
/// What a model benchmark trains: the forward pass of a batch (its outputs) and the loss on those
/// outputs, kept apart so the step can be timed by phase and traced as one function.
/// </summary>
/// <param name="Forward">The model's outputs for a batch (the batch's tensors in the order <see cref="ModelBenchmark"/> draws them).</param>
/// <param name="Loss">The scalar loss of those outputs on that batch.</param>
/// <param name="SupervisedLoss">
/// For a model trained as <c>loss(model.Forward(batch[0]), batch[1])</c>, that loss: the compiled train step
/// (<see cref="Training.TrainStep"/>) runs it. Null where the step has another form (the VAE's three outputs and
/// its random draw), which then trains eagerly.
/// </param>
internal sealed record BenchModelSpec(Func<Module, Tensor[], Tensor[]> Forward, Func<Tensor[], Tensor[], Tensor> Loss, Func<Tensor, Tensor, Tensor>? SupervisedLoss = null);
