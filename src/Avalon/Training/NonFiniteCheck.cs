using System.Numerics;

namespace Avalon.Training;

/// <summary>
/// Finds NaN and infinite values in the tensors of a training step (the loss, the gradients of the
/// optimiser's parameters, the parameters), for <see cref="FitOptions.OnNonFinite"/>.
/// </summary>
internal sealed class NonFiniteCheck
{
    private readonly List<(string Name, Tensor Parameter)> _parameters = [];

    public NonFiniteCheck(Nn.Module model, Optim.Optimizer optimizer)
    {
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in model.NamedParameters()) names.TryAdd(p, name);
        for (int g = 0; g < optimizer.ParamGroups.Count; g++)
        {
            var group = optimizer.ParamGroups[g].Parameters;
            for (int i = 0; i < group.Count; i++)
                _parameters.Add((names.TryGetValue(group[i], out var n) ? n : $"(group {g}, parameter {i})", group[i]));
        }
    }

    /// <summary>The first gradient of an optimised parameter holding a non-finite value, or null.</summary>
    public (string Tensor, long Element, double Value)? FirstNonFiniteGradient()
    {
        foreach (var (name, p) in _parameters)
            if (p.Grad is { } g && FirstNonFinite(g) is var (at, v) && at >= 0) return ($"grad of {name}", at, v);
        return null;
    }

    /// <summary>The first optimised parameter holding a non-finite value, or null.</summary>
    public (string Tensor, long Element, double Value)? FirstNonFiniteParameter()
    {
        foreach (var (name, p) in _parameters)
            if (FirstNonFinite(p) is var (at, v) && at >= 0) return ($"parameter {name}", at, v);
        return null;
    }

    /// <summary>The flat position and value of the first NaN or infinity in <paramref name="t"/>, or (−1, 0).</summary>
    internal static (long Element, double Value) FirstNonFinite(Tensor t)
    {
        if (!t.DType.IsFloatingPoint() || t.Numel == 0) return (-1, 0);
        var dense = t.ContiguousNoGrad();
        // Read through a host copy: upper layers never touch a backend's memory directly.
        return t.DType == DType.Float32 ? Find<float>(dense.ToArray<float>()) : Find<double>(dense.ToArray<double>());
    }

    // x − x is 0 for every finite x and NaN for NaN and ±∞, so a vector of differences that is all zero
    // proves a whole vector finite; only a vector that fails is searched element by element.
    private static (long, double) Find<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(values);
            for (int v = 0; v < vectors.Length; v++)
            {
                var x = vectors[v];
                if (!Vector.EqualsAll(x - x, Vector<T>.Zero)) break;
                i += Vector<T>.Count;
            }
        }
        for (; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return (i, double.CreateTruncating(values[i]));
        return (-1, 0);
    }
}
