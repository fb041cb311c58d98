using Avalon.Backends;

namespace Avalon.Primitives.Devices;

/// <summary>
/// <c>to_device(x; device)</c>: a dense copy of x, with its dtype and shape, on the device the attribute
/// names (as <see cref="Device.ToString"/> prints it, e.g. <c>'privateuseone:0'</c>). Its one kernel is
/// device-neutral and registered for every device type: the source backend's <see cref="IBackend.ToHost"/>,
/// then the destination backend's <see cref="IBackend.FromHost"/> and <see cref="IBackend.Copy"/> into the
/// output buffer, so moving between any two registered backends needs nothing of either but their
/// public services. Differentiable like PyTorch's <c>to</c>: the gradient moves back to the source device.
/// </summary>
internal sealed class ToDevicePrimitive : Primitive
{
    private static readonly AttributeSchema s_schema = AttributeSchema.Of(AttributeSpec.Required("device", AttributeType.String));

    /// <summary>Creates the primitive and registers its transfer kernel for every device type.</summary>
    public ToDevicePrimitive() : base("to_device")
    {
        foreach (var type in Enum.GetValues<DeviceType>()) RegisterKernel(type, Transfer);
    }

    /// <inheritdoc />
    public override AttributeSchema? Schema => s_schema;

    /// <inheritdoc />
    public override IReadOnlyList<string> InputNames { get; } = ["input"];

    /// <summary>The rule moves the gradient; it reads no input values.</summary>
    public override bool RuleReadsInput(int index) => false;

    /// <summary>The call that moves <paramref name="x"/> to <paramref name="device"/>.</summary>
    public Tensor Invoke(Tensor x, Device device) => Invoke(Attributes.Of(("device", device.ToString())), x);

    /// <inheritdoc />
    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != 1)
            throw OpErrors.Argument("to_device", $"expected one input, got {inputs.Length}.");
        var device = Device.Parse(attributes.String("device"));
        if (!Backend.Registered.Contains(device.Type))
            throw OpErrors.NotSupported(
                "to_device", $"no backend is registered for device '{device}' (moving {inputs[0]}). This build has: {string.Join(", ", Backend.Registered.Select(k => k.ToString().ToLowerInvariant()))}.");
        return inputs[0] with { Device = device };
    }

    /// <inheritdoc />
    public override Tensor?[] Backward(GradContext c) =>
        [c.NeedsInputGrad[0] ? c.GradOutput.To(c.Inputs[0].Device) : null];

    private static void Transfer(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var source = inputs[0];
        var output = outputs[0];
        var host = source.Storage.Backend.ToHost(source);
        var destination = output.Storage.Backend;
        var staged = Tensor.OverStorage(destination.FromHost(host, source.DType), source.Shape.ToArray());
        destination.Copy(staged, output);
    }
}
