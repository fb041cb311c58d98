namespace Avalon.Primitives;

/// <summary>
/// A kernel of the older form that allocates and returns its single output. Kept while kernels move
/// to <see cref="Kernel"/> (which writes into given buffers); <see cref="Primitive.Compute"/> copies
/// its result into the buffer it was given.
/// </summary>
internal delegate Tensor ReturningKernel(Tensor[] inputs, Attributes attributes, TensorSpec output);
