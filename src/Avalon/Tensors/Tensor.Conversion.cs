using Avalon.Primitives;
using Avalon.Primitives.Elementwise;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>This tensor converted to <paramref name="dtype"/> (itself when it already has it).</summary>
    public Tensor To(DType dtype) =>
        dtype == DType ? this : ConversionPrimitives.Convert.Invoke(Attributes.Of(("dtype", dtype)), this);

    /// <summary>
    /// This tensor on <paramref name="device"/> (itself when already there), PyTorch's <c>to(device)</c>: a
    /// dense copy with the same dtype and shape made by the <c>to_device</c> primitive through the two
    /// backends' public services (the source's host transfer, the destination's upload and copy). It is
    /// recorded and differentiable: the gradient moves back to this tensor's device.
    /// </summary>
    /// <exception cref="NotSupportedException">No backend is registered for <paramref name="device"/>.</exception>
    public Tensor To(Device device) =>
        device == Device ? this : Primitives.Devices.DevicePrimitives.ToDevice.Invoke(this, device);

    /// <summary>
    /// A dense copy on <paramref name="device"/> through the two backends' host transfers, recording
    /// nothing (for loading and saving state across devices); itself when already there.
    /// </summary>
    internal Tensor CopiedTo(Device device) =>
        device == Device ? this : new Tensor(Backends.Backend.For(device).FromHost(Storage.Backend.ToHost(this), DType), (int[])_shape.Clone());

    /// <summary>This tensor on <paramref name="device"/> converted to <paramref name="dtype"/> (moved first, then converted).</summary>
    public Tensor To(Device device, DType dtype) => To(device).To(dtype);

    /// <summary>The elements as a dense row-major array of <typeparamref name="T"/> (must match the dtype).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (DTypeInfo.Of<T>() != DType)
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}>: the tensor is {DType.Name()}; convert with .To(DType.{DTypeInfo.Of<T>()}) first.");
        Autodiff.Recorder.NoteHostRead(this, "ToArray");
        return (T[])Storage.Backend.ToHost(this);
    }

    /// <summary>The elements converted to double, dense row-major (any dtype).</summary>
    public double[] ToDoubleArray()
    {
        if (DType == DType.Float64) return ToArray<double>();
        Autodiff.Recorder.NoteHostRead(this, "ToDoubleArray");
        return (double[])Storage.Backend.ToHost(Storage.Backend.Cast(this, DType.Float64));
    }

    /// <summary>
    /// The elements read for an input check that can only raise, never steer the computation: unlike
    /// <see cref="ToDoubleArray"/>, a tracing tape does not count it as a data-dependent host read.
    /// </summary>
    internal double[] ToDoubleArrayForCheck() =>
        (double[])Storage.Backend.ToHost(DType == DType.Float64 ? this : Storage.Backend.Cast(this, DType.Float64));

    /// <summary>Like <see cref="ToDoubleArrayForCheck"/>, as <typeparamref name="T"/> (which must be the dtype's element type).</summary>
    internal T[] ToArrayForCheck<T>() where T : unmanaged =>
        DTypeInfo.Of<T>() == DType ? (T[])Storage.Backend.ToHost(this)
            : throw new InvalidOperationException($"ToArray<{typeof(T).Name}>: the tensor is {DType.Name()}.");

    /// <summary>The value of a single-element tensor as a double (PyTorch's <c>item()</c>).</summary>
    public double Item()
    {
        if (Numel != 1)
            throw OpErrors.State("item", $"a Tensor with {Numel} elements cannot be converted to a scalar (shape {Shape}).");
        return ToDoubleArray()[0];
    }

    /// <summary>The value of a single-element tensor as <typeparamref name="T"/> (must match the dtype).</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Numel != 1)
            throw OpErrors.State("item", $"a Tensor with {Numel} elements cannot be converted to a scalar (shape {Shape}).");
        return ToArray<T>()[0];
    }
}
