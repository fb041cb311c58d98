using Avalon.Primitives.Elementwise;
using P = Avalon.Primitives.Attributes;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>Elementwise power with broadcasting (<c>torch.pow</c>); floating-point only.</summary>
    public Tensor Pow(Tensor exponent) => MathPrimitives.Pow.Invoke(P.Empty, this, exponent);

    /// <summary>Elementwise power by a constant (<c>x ** exponent</c>); exponents 0, ±0.5, ±1, ±2 and 3 take fast paths.</summary>
    public Tensor Pow(double exponent) => MathPrimitives.PowScalar.Invoke(P.Of(("exponent", exponent)), this);

    /// <summary>Elementwise log(1 + x), accurate for small x.</summary>
    public Tensor Log1p() => MathPrimitives.Log1p.Invoke(P.Empty, this);

    /// <summary>Elementwise exp(x) - 1, accurate for small x.</summary>
    public Tensor Expm1() => MathPrimitives.Expm1.Invoke(P.Empty, this);

    /// <summary>Elementwise square root.</summary>
    public Tensor Sqrt() => MathPrimitives.Sqrt.Invoke(P.Empty, this);

    /// <summary>Elementwise reciprocal square root, 1 / sqrt(x).</summary>
    public Tensor Rsqrt() => MathPrimitives.Rsqrt.Invoke(P.Empty, this);

    /// <summary>Elementwise absolute value.</summary>
    public Tensor Abs() => MathPrimitives.Abs.Invoke(P.Empty, this);

    /// <summary>Elementwise sign: -1, 0 or 1 (0 for NaN); its gradient is zero.</summary>
    public Tensor Sign() => MathPrimitives.Sign.Invoke(P.Empty, this);

    /// <summary>Elementwise sine (radians).</summary>
    public Tensor Sin() => MathPrimitives.Sin.Invoke(P.Empty, this);

    /// <summary>Elementwise cosine (radians).</summary>
    public Tensor Cos() => MathPrimitives.Cos.Invoke(P.Empty, this);

    /// <summary>Elementwise hyperbolic tangent.</summary>
    public Tensor Tanh() => MathPrimitives.Tanh.Invoke(P.Empty, this);

    /// <summary>Elementwise logistic sigmoid, 1 / (1 + exp(-x)), without overflow for large |x|.</summary>
    public Tensor Sigmoid() => MathPrimitives.Sigmoid.Invoke(P.Empty, this);

    /// <summary>Elementwise error function.</summary>
    public Tensor Erf() => MathPrimitives.Erf.Invoke(P.Empty, this);

    /// <summary>Elementwise square, x * x.</summary>
    public Tensor Square() => MathPrimitives.Square.Invoke(P.Empty, this);

    /// <summary>Elementwise reciprocal, 1 / x; floating-point only.</summary>
    public Tensor Reciprocal() => MathPrimitives.Reciprocal.Invoke(P.Empty, this);

    /// <summary>Elementwise rectified linear unit, max(x, 0).</summary>
    public Tensor Relu() => MathPrimitives.Relu.Invoke(P.Empty, this);
}
