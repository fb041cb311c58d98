using System.Numerics.Tensors;

namespace Avalon.Data.Transforms;

/// <summary>
/// Turns 8-bit pixel values (0..255) into a float32 tensor in [0, 1] by dividing by 255, like
/// torchvision's <c>ToTensor</c>. As a transform it takes an integer tensor of pixel values.
/// </summary>
public sealed class ToTensor : ITransform
{
    /// <summary>A float32 tensor of the given shape holding <paramref name="pixels"/> / 255.</summary>
    /// <param name="pixels">The pixel values, row-major.</param>
    /// <param name="shape">The shape, for example <c>[1, 28, 28]</c>; its size must equal the number of pixels.</param>
    /// <exception cref="ArgumentException">The shape does not hold exactly the given number of pixels.</exception>
    public static Tensor FromBytes(ReadOnlySpan<byte> pixels, params int[] shape)
    {
        if (ShapeUtil.Numel(shape) != pixels.Length)
            throw OpErrors.Argument("ToTensor.FromBytes", $"{pixels.Length} pixels cannot have shape {ShapeUtil.Format(shape)}.", nameof(shape));
        var values = new float[pixels.Length];
        ScaleInto(pixels, values);
        return HostTensors.Wrap(values, (int[])shape.Clone());
    }

    /// <summary>Writes <paramref name="pixels"/> / 255 into <paramref name="destination"/> (division, not a reciprocal multiply, to match PyTorch bit for bit).</summary>
    internal static void ScaleInto(ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        TensorPrimitives.ConvertTruncating<byte, float>(pixels, destination);
        TensorPrimitives.Divide(destination[..pixels.Length], 255f, destination);
    }

    /// <summary>Divides an integer tensor of pixel values (0..255) by 255, giving float32.</summary>
    /// <param name="input">An int32 or int64 tensor.</param>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not an integer tensor.</exception>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.DType.IsInteger())
            throw OpErrors.Argument("ToTensor", $"expected an integer tensor of pixel values 0..255, got {input.DType.Name()} with shape {input.Shape}; a float tensor needs no ToTensor.", nameof(input));
        var source = input.ToDoubleArray();
        var values = new float[source.Length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)source[i] / 255f;
        return HostTensors.Wrap(values, input.Shape.ToArray());
    }

    /// <inheritdoc/>
    public override string ToString() => "ToTensor()";
}
