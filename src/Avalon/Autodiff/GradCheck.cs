using System.Globalization;
using System.Text;

namespace Avalon.Autodiff;

/// <summary>
/// Checks a function's gradients against central finite differences (PyTorch's
/// <c>torch.autograd.gradcheck</c>): for every output element and every element of each float64 input,
/// the reverse-mode derivative must agree with (f(x + eps) − f(x − eps)) / 2eps within
/// <c>atol + rtol · |numeric|</c>.
/// </summary>
/// <remarks>
/// The full Jacobian is built (one reverse pass per output element, two forward passes per input
/// element), so it is meant for small inputs, as PyTorch's is. Finite differences need float64: a
/// float32 input is refused rather than checked with meaningless tolerances.
/// </remarks>
/// <example>
/// <code>
/// var x = Tensor.Randn([3, 4], dtype: DType.Float64);
/// GradCheck.Check(xs => xs[0].Tanh() * xs[0], x);   // throws GradCheckException naming the element that disagrees
/// </code>
/// </example>
public static class GradCheck
{
    /// <summary>
    /// Compares the reverse-mode Jacobian of <paramref name="function"/> at <paramref name="inputs"/> with
    /// finite differences and throws <see cref="GradCheckException"/> at the first disagreement.
    /// </summary>
    /// <param name="function">The function; its output may have any shape and must be float64.</param>
    /// <param name="inputs">The point at which to check; every floating-point input is checked and must be float64.</param>
    /// <returns><see langword="true"/> (the check passed).</returns>
    /// <exception cref="GradCheckException">An analytical derivative differs from the numerical one.</exception>
    /// <exception cref="ArgumentException">No inputs, or a floating-point input or the output is not float64.</exception>
    public static bool Check(Func<Tensor[], Tensor> function, params Tensor[] inputs) => Check(function, inputs, 1e-6, 1e-5, 1e-3, true);

    /// <summary>
    /// Compares the reverse-mode Jacobian of <paramref name="function"/> at <paramref name="inputs"/> with
    /// central finite differences of step <paramref name="eps"/>.
    /// </summary>
    /// <param name="function">The function; its output may have any shape and must be float64.</param>
    /// <param name="inputs">The point at which to check; every floating-point input is checked and must be float64.</param>
    /// <param name="eps">The finite-difference step (PyTorch's default 1e-6).</param>
    /// <param name="atol">The absolute tolerance (default 1e-5).</param>
    /// <param name="rtol">The tolerance relative to the numerical value (default 1e-3).</param>
    /// <param name="raiseException">Throw on failure (default, as PyTorch's <c>raise_exception</c>) or return <see langword="false"/>.</param>
    /// <returns>Whether every derivative agreed.</returns>
    /// <exception cref="GradCheckException">A derivative differs and <paramref name="raiseException"/> is set.</exception>
    /// <exception cref="ArgumentException">No inputs, a non-positive eps or tolerance, or a floating-point input or the output is not float64.</exception>
    public static bool Check(Func<Tensor[], Tensor> function, Tensor[] inputs, double eps, double atol = 1e-5, double rtol = 1e-3, bool raiseException = true)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0) throw OpErrors.Argument("gradcheck", "expected at least one input, got none.", nameof(inputs));
        if (!(eps > 0)) throw OpErrors.Argument("gradcheck", $"eps must be positive, got {eps.ToString("R", CultureInfo.InvariantCulture)}.", nameof(eps));
        if (!(atol >= 0) || !(rtol >= 0))
            throw OpErrors.Argument("gradcheck", $"atol and rtol must be non-negative, got atol {atol.ToString("R", CultureInfo.InvariantCulture)}, rtol {rtol.ToString("R", CultureInfo.InvariantCulture)}.");
        var checkedInputs = new List<int>();
        for (int i = 0; i < inputs.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(inputs[i], nameof(inputs));
            if (!inputs[i].DType.IsFloatingPoint()) continue;
            if (inputs[i].DType != DType.Float64)
                throw OpErrors.Argument("gradcheck",
                    $"input {i} is {inputs[i].DType.Name()} {inputs[i].Shape}; finite differences need float64 inputs (convert with .To(DType.Float64)).", nameof(inputs));
            checkedInputs.Add(i);
        }
        if (checkedInputs.Count == 0)
            throw OpErrors.Argument("gradcheck", "no floating-point input to check: every input is an integer or bool tensor.", nameof(inputs));

        var detached = inputs.Select(x => x.Detach()).ToArray();
        Tensor output;
        using (new NoGrad()) output = function(detached);
        if (output.DType != DType.Float64)
            throw OpErrors.Argument("gradcheck", $"the function returned {output.DType.Name()} {output.Shape}; expected a float64 output.", nameof(function));
        int outputs = output.Numel;
        var outputShape = output.Shape.ToArray();
        var wrt = checkedInputs.Select(i => detached[i]).ToArray();

        // Analytical: one reverse pass per output element, seeded with a one-hot weight.
        // analytic[k][o, j] = d output[o] / d input_k[j].
        var analytic = checkedInputs.Select(i => new double[outputs, detached[i].Numel]).ToArray();
        for (int o = 0; o < outputs; o++)
        {
            var oneHot = new double[outputs];
            oneHot[o] = 1;
            var weight = Tensor.From(oneHot, outputShape);
            var gradients = Grad.Of(xs => (function(Merge(detached, checkedInputs, xs)) * weight).Sum(), wrt).Gradients;
            for (int k = 0; k < wrt.Length; k++)
            {
                var g = gradients[k].ToDoubleArray();
                for (int j = 0; j < g.Length; j++) analytic[k][o, j] = g[j];
            }
        }

        // Numerical: central differences, one column (every output) per input element.
        for (int k = 0; k < checkedInputs.Count; k++)
        {
            int index = checkedInputs[k];
            var x = detached[index].ToDoubleArray();
            var shape = detached[index].Shape.ToArray();
            for (int j = 0; j < x.Length; j++)
            {
                double original = x[j];
                x[j] = original + eps;
                var plus = Evaluate(function, detached, index, x, shape);
                x[j] = original - eps;
                var minus = Evaluate(function, detached, index, x, shape);
                x[j] = original;
                for (int o = 0; o < outputs; o++)
                {
                    double numeric = (plus[o] - minus[o]) / (2 * eps);
                    double a = analytic[k][o, j];
                    bool agree = Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric) || double.IsNaN(a) && double.IsNaN(numeric);
                    if (agree) continue;
                    if (!raiseException) return false;
                    throw new GradCheckException(Describe(index, shape, j, outputShape, o, numeric, a, eps, atol, rtol));
                }
            }
        }
        return true;
    }

    private static Tensor[] Merge(Tensor[] all, List<int> positions, Tensor[] replaced)
    {
        var merged = (Tensor[])all.Clone();
        for (int k = 0; k < positions.Count; k++) merged[positions[k]] = replaced[k];
        return merged;
    }

    private static double[] Evaluate(Func<Tensor[], Tensor> function, Tensor[] inputs, int index, double[] values, int[] shape)
    {
        var args = (Tensor[])inputs.Clone();
        args[index] = Tensor.From((double[])values.Clone(), shape);
        using (new NoGrad()) return function(args).ToDoubleArray();
    }

    private static string Describe(int input, int[] inputShape, int element, int[] outputShape, int output, double numeric, double analytic, double eps, double atol, double rtol)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"gradcheck: Jacobian mismatch for output {Position(outputShape, output)} with respect to input {input} element {Position(inputShape, element)}: ");
        text.Append(c, $"numerical {numeric:G9}, analytical {analytic:G9} (|difference| {Math.Abs(numeric - analytic):E2} > atol {atol:G3} + rtol {rtol:G3} · |numerical|; eps {eps:G3}).");
        return text.ToString();
    }

    private static string Position(int[] shape, int flat)
    {
        if (shape.Length == 0) return "[]";
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return "[" + string.Join(", ", index) + "]";
    }
}
