using Avalon.Nn;

namespace Avalon.Cli.Bench;

/// <summary>
/// What a model benchmark trains: the forward pass of a batch (its outputs) and the loss on those
/// outputs, kept apart so the eager step can be timed by phase; the compiled step traces both as one function.
/// </summary>
/// <param name="Forward">The model's outputs for a batch (the batch's tensors in the order <see cref="ModelBenchmark"/> draws them).</param>
/// <param name="Loss">The scalar loss of those outputs on that batch.</param>
internal sealed record BenchModelSpec(Func<Module, Tensor[], Tensor[]> Forward, Func<Tensor[], Tensor[], Tensor> Loss);
