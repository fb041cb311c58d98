using System.Runtime.CompilerServices;
using Avalon.Primitives;
using Avalon.Primitives.Optim;

namespace Avalon.Optim;

/// <summary>
/// The eager side of the multi-tensor updates: a group's parameters with gradients, the call's input
/// list, and the step count kept in a box a compiled step owns.
/// </summary>
internal static class MultiTensorStep
{
    /// <summary>
    /// Runs one eager step of <paramref name="group"/> through <paramref name="update"/>: every parameter
    /// with a gradient, grouped by device (one call per device), with fresh scalar tensors.
    /// </summary>
    public static void StepGroup(Optimizer optimizer, IMultiTensorOptimizer update, ParamGroup group)
    {
        List<Tensor>? parameters = null;
        foreach (Tensor p in group.Parameters)
        {
            if (p.Grad is null) continue;
            (parameters ??= []).Add(p);
        }
        if (parameters is null) return;
        foreach (var onDevice in parameters.GroupBy(p => p.Device))
        {
            var list = onDevice.ToList();
            var grads = new List<Tensor>(list.Count);
            foreach (var p in list)
            {
                optimizer.CheckDense(p);
                grads.Add(optimizer.DenseGradient(p));
            }
            var values = new double[update.StepScalars * list.Count];
            update.Advance(group, list, values, null);
            var scalars = Array.ConvertAll(values, v => Tensor.Scalar(v, DType.Float64, onDevice.Key));
            update.Update(group, list, grads, scalars, Tensor.Scalar(group.LearningRate, DType.Float64, onDevice.Key));
        }
    }

    /// <summary>
    /// Calls the multi-tensor form of <paramref name="single"/> over the parameters, their gradients,
    /// their state tensors (<paramref name="states"/>[s][i]: state s of parameter i), the scalars and lr.
    /// </summary>
    public static void Invoke(OptimizerUpdatePrimitive single, Attributes attributes, IReadOnlyList<Tensor> parameters,
        IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor>[] states, IReadOnlyList<Tensor> scalars, Tensor lr)
    {
        int n = parameters.Count;
        var primitive = MultiTensorUpdatePrimitive.For(single, n);
        var inputs = new Tensor[primitive.InputCount];
        int at = 0;
        for (int i = 0; i < n; i++) inputs[at++] = parameters[i];
        for (int i = 0; i < n; i++) inputs[at++] = gradients[i];
        foreach (var state in states)
            for (int i = 0; i < n; i++) inputs[at++] = state[i];
        for (int i = 0; i < scalars.Count; i++) inputs[at++] = scalars[i];
        inputs[at] = lr;
        primitive.InvokeMany(attributes, inputs);
    }

    /// <summary>
    /// Adds one to the count <paramref name="key"/> of <paramref name="state"/> and returns it. With an
    /// owned slot the box in the state is one this caller made (re-made when another value was put
    /// there) and is written in place: no allocation per step. Only the optimiser's own dictionary holds
    /// that box (<see cref="Optimizer.StateDict"/> copies numbers), so nobody sees it change.
    /// </summary>
    public static double AdvanceCount(Dictionary<string, object> state, string key, object?[]? owned, int index)
    {
        object current = state[key];
        double value = (double)current + 1;
        if (owned is null)
        {
            state[key] = value;
            return value;
        }
        if (!ReferenceEquals(current, owned[index]))
        {
            object box = value;        // a new box, once, after someone else stored a count
            owned[index] = box;
            state[key] = box;
            return value;
        }
        Unsafe.Unbox<double>(current) = value;
        return value;
    }
}
