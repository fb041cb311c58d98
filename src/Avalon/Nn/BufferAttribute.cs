namespace Avalon.Nn;

/// <summary>
/// Marks a <see cref="Tensor"/> field or property of a <see cref="Module"/> as a buffer (state that is
/// not trained, such as BatchNorm's running mean) instead of a parameter. Persistent buffers are saved
/// in <see cref="Module.StateDict"/>; non-persistent ones are not.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class BufferAttribute : Attribute
{
    /// <summary>Marks a persistent buffer.</summary>
    public BufferAttribute() { }

    /// <summary>Marks a buffer, persistent (saved in the state dict) or not.</summary>
    public BufferAttribute(bool persistent) => Persistent = persistent;

    /// <summary>Whether the buffer is part of the state dict (PyTorch's <c>persistent</c>).</summary>
    public bool Persistent { get; } = true;
}
