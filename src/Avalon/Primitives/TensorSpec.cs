namespace Avalon.Primitives;

/// <summary>What a value on a tape is, without its elements: shape, dtype and device.</summary>
/// <param name="Shape">The sizes.</param>
/// <param name="DType">The element type.</param>
/// <param name="Device">Where it lives.</param>
public readonly record struct TensorSpec(Shape Shape, DType DType, Device Device)
{
    /// <summary>The spec of an existing tensor.</summary>
    public static TensorSpec Of(Tensor t) => new(t.Shape, t.DType, t.Device);

    /// <summary>Formats like <c>float32[2, 3]</c>.</summary>
    public override string ToString() => $"{DType.Name()}{Shape}" + (Device.Type == DeviceType.Cpu ? "" : $"@{Device}");
}
