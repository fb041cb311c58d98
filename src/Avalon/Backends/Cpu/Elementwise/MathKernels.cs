using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>CPU kernels of the elementwise math primitives (powers, roots, transcendental functions).</summary>
internal static class MathKernels
{
    public static readonly Kernel Pow = ElementwiseKernels.Binary("pow",
        BinaryLoop.Run<float, PowOperator<float>>, BinaryLoop.Run<double, PowOperator<double>>, null, null);

    /// <summary>x ** exponent (attribute), with PyTorch's fast paths for exponents 0, ±0.5, ±1, ±2 and 3.</summary>
    public static readonly Kernel PowScalar = (inputs, attributes, outputs) =>
    {
        double e = attributes.Double("exponent");
        Tensor input = inputs[0], output = outputs[0];
        // An output too small to split over threads, dense and floating-point: the body directly, without the
        // closures over the exponent (a planned run calls this on every step and allocates nothing else).
        if (!ElementwiseParallel.ShouldSplit(output.Numel) && input.IsContiguous && output.Numel > 0)
        {
            if (output.DType == DType.Float32)
            {
                PowScalarTyped(input.ContiguousSpan<float>(), (float)e, output.ContiguousSpan<float>());
                return;
            }
            if (output.DType == DType.Float64)
            {
                PowScalarTyped(input.ContiguousSpan<double>(), e, output.ContiguousSpan<double>());
                return;
            }
        }
        PowScalarSplit(input, output, e);
    };

    // A separate method so that the closures are only allocated on this path.
    private static void PowScalarSplit(Tensor input, Tensor output, double e) =>
        ElementwiseKernels.Unary("pow_scalar", input, output, (x, y) => PowScalarTyped(x, (float)e, y), (x, y) => PowScalarTyped(x, e, y));

    private static void PowScalarTyped<T>(ReadOnlySpan<T> x, T e, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T two = T.One + T.One, half = T.One / two;
        if (e == T.Zero) y.Fill(T.One);
        else if (e == T.One) x.CopyTo(y);
        else if (e == two) TensorPrimitives.Multiply(x, x, y);
        else if (e == two + T.One) { TensorPrimitives.Multiply(x, x, y); TensorPrimitives.Multiply(y, x, y); }
        else if (e == half) TensorPrimitives.Sqrt(x, y);
        else if (e == -half) UnaryLoop.Run<T, RsqrtOperator<T>>(x, y);
        else if (e == -T.One) TensorPrimitives.Reciprocal(x, y);
        else if (e == -two) { TensorPrimitives.Multiply(x, x, y); TensorPrimitives.Reciprocal(y, y); }
        else TensorPrimitives.Pow(x, e, y);
    }

    public static readonly Kernel Log1p = ElementwiseKernels.FloatUnary("log1p",
        UnaryLoop.Run<float, Log1pOperator<float>>, UnaryLoop.Run<double, Log1pOperator<double>>);

    public static readonly Kernel Expm1 = ElementwiseKernels.FloatUnary("expm1",
        UnaryLoop.Run<float, Expm1Operator<float>>, UnaryLoop.Run<double, Expm1Operator<double>>);

    public static readonly Kernel Sqrt = ElementwiseKernels.FloatUnary("sqrt", TensorPrimitives.Sqrt, TensorPrimitives.Sqrt);

    public static readonly Kernel Rsqrt = ElementwiseKernels.FloatUnary("rsqrt",
        UnaryLoop.Run<float, RsqrtOperator<float>>, UnaryLoop.Run<double, RsqrtOperator<double>>);

    public static readonly Kernel Abs = ElementwiseKernels.Unary("abs",
        TensorPrimitives.Abs, TensorPrimitives.Abs, TensorPrimitives.Abs, TensorPrimitives.Abs);

    public static readonly Kernel Sign = ElementwiseKernels.Unary("sign",
        UnaryLoop.Run<float, SignOperator<float>>, UnaryLoop.Run<double, SignOperator<double>>,
        UnaryLoop.Run<int, SignOperator<int>>, UnaryLoop.Run<long, SignOperator<long>>);

    public static readonly Kernel Sin = ElementwiseKernels.FloatUnary("sin", TensorPrimitives.Sin, TensorPrimitives.Sin);

    public static readonly Kernel Cos = ElementwiseKernels.FloatUnary("cos", TensorPrimitives.Cos, TensorPrimitives.Cos);

    public static readonly Kernel Tanh = ElementwiseKernels.FloatUnary("tanh", TensorPrimitives.Tanh, TensorPrimitives.Tanh);

    /// <summary>1 / (1 + exp(-x)): exp(-x) overflows to +inf for very negative x, giving an exact 0, never NaN.</summary>
    public static readonly Kernel Sigmoid = ElementwiseKernels.FloatUnary("sigmoid", TensorPrimitives.Sigmoid, TensorPrimitives.Sigmoid);

    public static readonly Kernel Erf = ElementwiseKernels.FloatUnary("erf",
        UnaryLoop.Run<float, ErfOperator<float>>, UnaryLoop.Run<double, ErfOperator<double>>);

    public static readonly Kernel Square = ElementwiseKernels.Unary("square",
        (x, y) => TensorPrimitives.Multiply(x, x, y), (x, y) => TensorPrimitives.Multiply(x, x, y),
        (x, y) => TensorPrimitives.Multiply(x, x, y), (x, y) => TensorPrimitives.Multiply(x, x, y));

    public static readonly Kernel Reciprocal = ElementwiseKernels.FloatUnary("reciprocal", TensorPrimitives.Reciprocal, TensorPrimitives.Reciprocal);

    /// <summary>max(x, 0), NaN propagating like <c>torch.relu</c>.</summary>
    public static readonly Kernel Relu = ElementwiseKernels.Unary("relu",
        (x, y) => TensorPrimitives.Max(x, 0f, y), (x, y) => TensorPrimitives.Max(x, 0d, y),
        (x, y) => TensorPrimitives.Max(x, 0, y), (x, y) => TensorPrimitives.Max(x, 0L, y));
}
