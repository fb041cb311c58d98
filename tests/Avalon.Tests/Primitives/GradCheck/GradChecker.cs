using Avalon.Autodiff;

namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Central finite differences in float64 against the tape's reverse-mode gradient (and eager Backward),
/// for L(x) = sum(f(x) * w) with a fixed random w, so every output element is weighted differently.
/// </summary>
public static class GradChecker
{
    public const double Step = 1e-6;

    public static void Check(GradCheckCase c)
    {
        var inputs = c.Inputs;
        var wrt = c.Wrt ?? Enumerable.Range(0, inputs.Length).Where(i => inputs[i].DType.IsFloatingPoint()).ToArray();
        var y0 = c.Function(inputs);
        var weights = Tensor.Randn(y0.Shape.ToArray(), new Generator(1234), DType.Float64);
        if (y0.DType != DType.Float64)
            throw new InvalidOperationException($"{c}: grad checks run in float64, the function returned {y0.DType.Name()}.");
        Tensor Loss(Tensor[] xs) => (c.Function(xs) * weights).Sum();

        // Tape-based gradient.
        var args = (Tensor[])inputs.Clone();
        var result = Grad.Of(xs => Loss(Merge(inputs, wrt, xs)), wrt.Select(i => inputs[i]).ToArray());
        for (int k = 0; k < wrt.Length; k++)
        {
            var numeric = Numeric(Loss, inputs, wrt[k]);
            AssertClose(numeric, result.Gradients[k].ToDoubleArray(), c.Tolerance, $"{c}: d/d input {wrt[k]} (tape)");
        }

        // Eager Backward on the same rules.
        var leaves = inputs.Select((x, i) => wrt.Contains(i) ? x.Detach().RequiresGrad_() : x).ToArray();
        var loss = Loss(leaves);
        loss.Backward();
        foreach (int i in wrt)
        {
            Assert.True(leaves[i].Grad is not null, $"{c}: eager backward produced no gradient for input {i}");
            AssertClose(result.Gradients[Array.IndexOf(wrt, i)].ToDoubleArray(), leaves[i].Grad!.ToDoubleArray(), 1e-10,
                $"{c}: eager vs tape gradient of input {i}");
        }

        if (!c.SecondOrder) return;
        // Second order: directional derivative of g(x)·v compared with finite differences of g.
        var v = wrt.Select(i => Tensor.Randn(inputs[i].Shape.ToArray(), new Generator(99 + (ulong)i), DType.Float64)).ToArray();
        Tensor GradDotV(Tensor[] xs)
        {
            var g = Grad.Of(ys => Loss(Merge(inputs, wrt, ys)), xs).Gradients;
            Tensor acc = Tensor.Scalar(0.0, DType.Float64);
            for (int k = 0; k < g.Length; k++) acc = acc + (g[k] * v[k]).Sum();
            return acc;
        }
        var wrtInputs = wrt.Select(i => inputs[i]).ToArray();
        var second = Grad.Of(GradDotV, wrtInputs);
        for (int k = 0; k < wrt.Length; k++)
        {
            var numeric = Numeric(xs => GradDotV(xs), wrtInputs, k);
            AssertClose(numeric, second.Gradients[k].ToDoubleArray(), Math.Max(c.Tolerance, 1e-5), $"{c}: second order wrt input {wrt[k]}");
        }
    }

    private static Tensor[] Merge(Tensor[] all, int[] wrt, Tensor[] replaced)
    {
        var merged = (Tensor[])all.Clone();
        for (int k = 0; k < wrt.Length; k++) merged[wrt[k]] = replaced[k];
        return merged;
    }

    /// <summary>Central differences of a scalar function with respect to input <paramref name="index"/>.</summary>
    public static double[] Numeric(Func<Tensor[], Tensor> f, Tensor[] inputs, int index)
    {
        var x = inputs[index].ToDoubleArray();
        var shape = inputs[index].Shape.ToArray();
        var grad = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
        {
            double orig = x[j];
            x[j] = orig + Step;
            double plus = Eval(f, inputs, index, x, shape);
            x[j] = orig - Step;
            double minus = Eval(f, inputs, index, x, shape);
            x[j] = orig;
            grad[j] = (plus - minus) / (2 * Step);
        }
        return grad;
    }

    private static double Eval(Func<Tensor[], Tensor> f, Tensor[] inputs, int index, double[] x, int[] shape)
    {
        var args = (Tensor[])inputs.Clone();
        args[index] = Tensor.From((double[])x.Clone(), shape.Length == 0 ? [] : shape).Reshape(shape);
        using (new NoGrad()) return f(args).Item();
    }

    public static void AssertClose(double[] expected, double[] actual, double tol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length} != {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            double bound = tol * (1 + Math.Abs(expected[i])) * 10;
            Assert.True(err <= bound || double.IsNaN(expected[i]) && double.IsNaN(actual[i]),
                $"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R} (|diff| {err:E2} > {bound:E2})");
        }
    }
}
