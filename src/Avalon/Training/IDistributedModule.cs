namespace Avalon.Training;

/// <summary>
/// A model trained by several processes together (such as <c>Avalon.Distributed.DistributedDataParallel</c>):
/// <c>Fit</c> shards the data, reduces losses and metrics and agrees on stopping through
/// <see cref="DistributedContext"/>.
/// </summary>
public interface IDistributedModule
{
    /// <summary>The processes this model trains with.</summary>
    IDistributedContext DistributedContext { get; }
}
