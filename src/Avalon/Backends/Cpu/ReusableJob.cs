namespace Avalon.Backends.Cpu;

/// <summary>
/// Base of a kernel's work object (its parameters and a cached delegate over its loop body), reused
/// from call to call so that a kernel call allocates neither the object nor the delegate. Each thread
/// keeps one idle instance per job type: <see cref="Rent"/> takes it (or makes a new one when it is
/// already in use further up the stack) and <see cref="Return"/> puts it back.
/// </summary>
/// <typeparam name="TSelf">The job type itself.</typeparam>
internal abstract class ReusableJob<TSelf> where TSelf : ReusableJob<TSelf>, new()
{
    [ThreadStatic]
    private static TSelf? t_free;

    /// <summary>The calling thread's idle instance, or a new one.</summary>
    public static TSelf Rent()
    {
        TSelf job = t_free ?? new TSelf();
        t_free = null;
        return job;
    }

    /// <summary>Hands the instance back to the calling thread once the call that rented it is done with it.</summary>
    public void Return() => t_free = (TSelf)this;
}
