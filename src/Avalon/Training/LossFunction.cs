using System.Reflection;
using Module = Avalon.Nn.Module;
using Avalon.Nn;

namespace Avalon.Training;

/// <summary>Turns a loss module (one with a public <c>Forward(Tensor input, Tensor target)</c>) into a loss function.</summary>
internal static class LossFunction
{
    public static Func<Tensor, Tensor, Tensor> FromModule(Module loss, string operation)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var method = loss.GetType().GetMethod(
            "Forward", BindingFlags.Public | BindingFlags.Instance, binder: null, types: [typeof(Tensor), typeof(Tensor)], modifiers: null);
        if (method is null || method.ReturnType != typeof(Tensor))
            throw OpErrors.Argument(
                operation, $"the loss module {loss.GetType().Name} has no public 'Tensor Forward(Tensor input, Tensor target)'; pass a loss module such as CrossEntropyLoss, or a function (output, target) => loss.", nameof(loss));
        return method.CreateDelegate<Func<Tensor, Tensor, Tensor>>(loss);
    }
}
