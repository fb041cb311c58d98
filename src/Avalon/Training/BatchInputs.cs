using Avalon.Data;
using Avalon.Nn;

namespace Avalon.Training;

/// <summary>Splits a batch into model input and loss target, on the model's device.</summary>
internal static class BatchInputs
{
    /// <summary>The device of the model's first parameter, or <see langword="null"/> for a model without parameters.</summary>
    public static Device? DeviceOf(Module model)
    {
        foreach (var p in model.Parameters()) return p.Device;
        return null;
    }

    /// <summary><paramref name="tensor"/> on <paramref name="device"/> (unchanged when it is there already or no device is known).</summary>
    public static Tensor On(Tensor tensor, Device? device) =>
        device is Device d && tensor.Device != d ? tensor.To(d) : tensor;

    /// <summary>
    /// The batch's input, and its target: the second field, or the input itself when the samples hold
    /// one tensor (an autoencoder learns to reproduce its input).
    /// </summary>
    public static (Tensor Input, Tensor Target) Split(Batch batch, Device? device)
    {
        var input = On(batch.Input, device);
        var target = batch.Count > 1 ? On(batch[1], device) : input;
        return (input, target);
    }

    /// <summary>Checks that a loss is one floating-point value, with a message that says what to change.</summary>
    public static void CheckLoss(Tensor loss, string operation)
    {
        if (loss is null)
            throw OpErrors.State(operation, $"the loss function returned null; it must return a single-element tensor.");
        if (loss.Numel != 1 || !loss.DType.IsFloatingPoint())
            throw OpErrors.State(
                operation, $"the loss function returned a tensor of shape {loss.Shape} ({loss.DType.Name()}); expected a single floating-point value (use reduction Mean or Sum).");
    }
}
