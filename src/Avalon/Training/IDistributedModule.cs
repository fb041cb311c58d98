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

    /// <summary>
    /// All-reduces and averages every parameter's current gradient in place, on every process: what a
    /// training step without an eager backward (Fit's compiled step) calls between its backward and its
    /// update. A model that does not implement it keeps Fit on the eager loop, whose backward hooks reduce.
    /// </summary>
    /// <exception cref="NotSupportedException">This model reduces only from eager backward hooks.</exception>
    void AllReduceGradients() => throw new NotSupportedException($"{GetType().Name} all-reduces gradients only from an eager backward.");

    /// <summary>Whether <see cref="AllReduceGradients"/> is implemented (Fit compiles the step only then).</summary>
    bool CanAllReduceGradients => false;
}
