using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>Applies one derivative rule and checks what it returns (shared by tapes and eager backward).</summary>
internal static class RuleRunner
{
    public static Tensor?[] Apply(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor[] outputs, Tensor?[] gradOutputs, bool[] needs)
    {
        var context = new GradContext(inputs, attributes, outputs, gradOutputs, needs);
        var grads = AnomalyMode.RunRule(primitive, context); // anomaly-detection hook (AnomalyMode.cs); plain primitive.Backward(context) when off
        if (grads.Length != inputs.Length)
            throw new InvalidOperationException(
                $"The derivative rule of '{primitive.Name}' returned {grads.Length} gradients for {inputs.Length} inputs.");
        for (int i = 0; i < grads.Length; i++)
        {
            if (!needs[i]) { grads[i] = null; continue; }
            var g = grads[i];
            if (g is null) continue;
            if (g.Shape != inputs[i].Shape || g.DType != inputs[i].DType)
                throw new InvalidOperationException(
                    $"The derivative rule of '{primitive.Name}' returned a gradient of {g.DType.Name()}{g.Shape} for input {i}, " +
                    $"which is {inputs[i].DType.Name()}{inputs[i].Shape}; a gradient must match its input's shape and dtype.");
        }
        return grads;
    }
}
