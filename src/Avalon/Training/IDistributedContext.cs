using Avalon.Data;

namespace Avalon.Training;

/// <summary>
/// What <c>Fit</c> needs from data-parallel training: this process's rank among the processes, its share
/// of the data, and a sum across processes. <c>Fit</c> runs distributed when its model implements
/// <see cref="IDistributedModule"/> (the <c>DistributedDataParallel</c> wrapper of
/// <c>Avalon.Distributed</c> does); this interface is the seam between the training loop and the
/// communication library, which the training code does not reference.
/// </summary>
/// <remarks>
/// Every method is a collective or must give the same answer on every process: <c>Fit</c> calls them in
/// the same order on all processes.
/// </remarks>
public interface IDistributedContext
{
    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> − 1; rank 0 shows progress and writes checkpoints.</summary>
    int Rank { get; }

    /// <summary>The number of processes training together.</summary>
    int WorldSize { get; }

    /// <summary>
    /// The training samples this process visits in <paramref name="epoch"/> (1-based), in order: its
    /// shard of a permutation shared by all processes (seeded by <paramref name="seed"/> and the epoch when
    /// <paramref name="shuffle"/>), every shard of the same length.
    /// </summary>
    /// <param name="train">The whole training set (the same on every process).</param>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="shuffle">Whether to permute the samples each epoch.</param>
    /// <param name="seed">The shuffle's seed, the same on every process.</param>
    /// <param name="dropLast">Whether to drop the samples that do not divide evenly (otherwise shards are padded by repeating samples).</param>
    IDataset TrainingShard(IDataset train, int epoch, bool shuffle, ulong seed, bool dropLast);

    /// <summary>This process's part of an evaluation set: disjoint parts covering it once (lengths may differ by one).</summary>
    /// <param name="data">The whole evaluation set.</param>
    IDataset EvaluationShard(IDataset data);

    /// <summary>Replaces each element of <paramref name="values"/> by its sum over all processes (a collective).</summary>
    /// <param name="values">This process's values; the same length on every process.</param>
    void SumAcross(double[] values);
}
