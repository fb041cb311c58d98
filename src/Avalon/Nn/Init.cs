using Avalon.Autodiff;
using Avalon.Backends;

namespace Avalon.Nn;

/// <summary>
/// Parameter initialisers with <c>torch.nn.init</c>'s semantics. Each fills a tensor in place (a copy
/// into its storage that no tape or autograd graph sees, like PyTorch's <c>no_grad</c> initialisers)
/// and returns it. Random ones draw through the random primitives (<c>rand</c>, <c>randn</c>) from an
/// explicit <see cref="Generator"/> (default <see cref="Generator.Default"/>), so a seed fixes the
/// initial weights; values computed on the host (identity, Dirac, orthogonal, truncated normal) come in
/// through the backend's host transfer.
/// </summary>
public static class Init
{
    /// <summary>
    /// The recommended gain for a nonlinearity (PyTorch's <c>calculate_gain</c>): 1 for linear,
    /// convolutions and sigmoid; 5/3 for tanh; √2 for relu; √(2 / (1 + slope²)) for leaky_relu
    /// (slope <paramref name="param"/>, default 0.01); 3/4 for selu.
    /// </summary>
    /// <param name="nonlinearity">One of <c>linear</c>, <c>conv1d</c>, <c>conv2d</c>, <c>conv3d</c>,
    /// <c>conv_transpose1d</c>, <c>conv_transpose2d</c>, <c>conv_transpose3d</c>, <c>sigmoid</c>,
    /// <c>tanh</c>, <c>relu</c>, <c>leaky_relu</c>, <c>selu</c>.</param>
    /// <param name="param">The negative slope of leaky_relu; ignored otherwise.</param>
    /// <exception cref="ArgumentException">The nonlinearity is unknown or the slope is not finite.</exception>
    public static double CalculateGain(string nonlinearity, double? param = null)
    {
        switch (nonlinearity)
        {
            case "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid":
                return 1;
            case "tanh":
                return 5.0 / 3;
            case "relu":
                return Math.Sqrt(2.0);
            case "leaky_relu":
                double slope = param ?? 0.01;
                if (!double.IsFinite(slope))
                    throw OpErrors.Argument("calculate_gain", $"negative_slope {slope} not a valid number.", nameof(param));
                return Math.Sqrt(2.0 / (1 + slope * slope));
            case "selu":
                return 3.0 / 4;
            default:
                throw OpErrors.Argument(
                    "calculate_gain", $"unsupported nonlinearity '{nonlinearity}'; expected one of linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu.",
                    nameof(nonlinearity));
        }
    }

    /// <summary>
    /// The fan-in and fan-out of a weight of shape <c>[out, in, *kernel]</c>: <c>in · ∏kernel</c> and
    /// <c>out · ∏kernel</c> (PyTorch's <c>_calculate_fan_in_and_fan_out</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The shape has fewer than 2 dimensions.</exception>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Shape shape)
    {
        if (shape.Rank < 2)
            throw new ArgumentException($"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape {shape}).");
        int receptive = 1;
        for (int i = 2; i < shape.Rank; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>The fan-in and fan-out of <paramref name="tensor"/>; see <see cref="CalculateFanInAndFanOut(Shape)"/>.</summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor tensor) => CalculateFanInAndFanOut(tensor.Shape);

    /// <summary>Fills <paramref name="tensor"/> with samples of U(<paramref name="a"/>, <paramref name="b"/>).</summary>
    public static Tensor Uniform_(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        var g = Begin(tensor, generator, "uniform_");
        if (!(a <= b)) throw OpErrors.Argument("uniform_", $"expects a <= b, got a={a}, b={b}.");
        using var noGrad = new NoGrad();
        return Write(tensor, Tensor.Rand(tensor.Shape.ToArray(), g, DType.Float64, tensor.Device) * (b - a) + a);
    }

    /// <summary>Fills <paramref name="tensor"/> with samples of N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        var g = Begin(tensor, generator, "normal_");
        if (!(std >= 0)) throw OpErrors.Argument("normal_", $"expects std >= 0.0, got std={std}.");
        using var noGrad = new NoGrad();
        return Write(tensor, Tensor.Randn(tensor.Shape.ToArray(), g, DType.Float64, tensor.Device) * std + mean);
    }

    /// <summary>
    /// Fills <paramref name="tensor"/> with samples of N(<paramref name="mean"/>, <paramref name="std"/>²)
    /// truncated to [<paramref name="a"/>, <paramref name="b"/>], by inverting the normal CDF like PyTorch.
    /// </summary>
    public static Tensor TruncNormal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2, Generator? generator = null)
    {
        var g = Begin(tensor, generator, "trunc_normal_");
        if (!(std > 0) || !(a < b)) throw OpErrors.Argument("trunc_normal_", $"expects std > 0 and a < b, got std={std}, a={a}, b={b}.");
        double lo = NormalCdf((a - mean) / std), hi = NormalCdf((b - mean) / std);
        double[] values = Draws(tensor, g, normal: false);
        for (int i = 0; i < values.Length; i++)
        {
            double x = mean + std * InverseNormalCdf(lo + (hi - lo) * values[i]);
            values[i] = Math.Clamp(x, a, b);
        }
        return Write(tensor, values);
    }

    /// <summary>Fills <paramref name="tensor"/> with <paramref name="value"/>.</summary>
    public static Tensor Constant_(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.FillNoRecord(value);
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with zeros.</summary>
    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    /// <summary>Fills <paramref name="tensor"/> with ones.</summary>
    public static Tensor Ones_(Tensor tensor) => Constant_(tensor, 1);

    /// <summary>Fills a 2-D <paramref name="tensor"/> with the identity matrix (ones on the main diagonal).</summary>
    /// <exception cref="ArgumentException">The tensor is not 2-D.</exception>
    public static Tensor Eye_(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank != 2)
            throw OpErrors.Argument("eye_", $"only tensors with 2 dimensions are supported, got shape {tensor.Shape}.");
        int rows = tensor.Size(0), cols = tensor.Size(1);
        var values = new double[tensor.Numel];
        for (int i = 0; i < Math.Min(rows, cols); i++) values[i * cols + i] = 1;
        return Write(tensor, values);
    }

    /// <summary>
    /// Fills a 3-, 4- or 5-D convolution weight with the Dirac delta, so the convolution preserves the
    /// identity of its inputs (per group of <paramref name="groups"/>, as many channels as fit).
    /// </summary>
    /// <exception cref="ArgumentException">The rank is not 3-5, or dim 0 is not divisible by <paramref name="groups"/>.</exception>
    public static Tensor Dirac_(Tensor tensor, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank is < 3 or > 5)
            throw OpErrors.Argument("dirac_", $"only tensors with 3, 4, or 5 dimensions are supported, got shape {tensor.Shape}.");
        if (groups < 1 || tensor.Size(0) % groups != 0)
            throw OpErrors.Argument("dirac_", $"dim 0 ({tensor.Size(0)}) must be divisible by groups ({groups}).");
        var shape = tensor.Shape.ToArray();
        var strides = ShapeUtil.ContiguousStrides(shape);
        int outPerGroup = shape[0] / groups, minDim = Math.Min(outPerGroup, shape[1]);
        var values = new double[tensor.Numel];
        for (int gi = 0; gi < groups; gi++)
        {
            for (int d = 0; d < minDim; d++)
            {
                int index = (gi * outPerGroup + d) * strides[0] + d * strides[1];
                for (int k = 2; k < shape.Length; k++) index += shape[k] / 2 * strides[k];
                values[index] = 1;
            }
        }
        return Write(tensor, values);
    }

    /// <summary>
    /// Xavier/Glorot uniform: U(-b, b) with b = gain · √(6 / (fan_in + fan_out)).
    /// </summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>Xavier/Glorot normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal_(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>
    /// Kaiming/He uniform: U(-b, b) with b = gain · √(3 / fan), gain = <see cref="CalculateGain"/>(
    /// <paramref name="nonlinearity"/>, <paramref name="a"/>). Layers use a = √5, which gives b = 1/√fan_in.
    /// </summary>
    /// <param name="tensor">The weight, shape <c>[out, in, *kernel]</c>.</param>
    /// <param name="a">The negative slope of the rectifier after this layer (leaky_relu only).</param>
    /// <param name="mode"><c>fan_in</c> (default) keeps the forward variance, <c>fan_out</c> the backward.</param>
    /// <param name="nonlinearity"><c>leaky_relu</c> (default) or <c>relu</c>, or any name <see cref="CalculateGain"/> accepts.</param>
    /// <param name="generator">The random source.</param>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Numel == 0) return tensor;
        double bound = Math.Sqrt(3.0) * KaimingStd(tensor, a, mode, nonlinearity);
        return Uniform_(tensor, -bound, bound, generator);
    }

    /// <summary>Kaiming/He normal: N(0, std²) with std = gain / √fan; arguments as in <see cref="KaimingUniform_"/>.</summary>
    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Numel == 0) return tensor;
        return Normal_(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity), generator);
    }

    private static double KaimingStd(Tensor tensor, double a, string mode, string nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        int fan = mode switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            _ => throw new ArgumentException($"kaiming init: mode '{mode}' not supported, please use one of fan_in, fan_out.", nameof(mode)),
        };
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    /// <summary>
    /// Fills <paramref name="tensor"/> (viewed as a matrix <c>[size(0), numel / size(0)]</c>) with a
    /// (semi-)orthogonal matrix times <paramref name="gain"/>: the Q factor, with a positive diagonal in R,
    /// of the QR decomposition of a standard normal matrix (computed in double precision).
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has fewer than 2 dimensions.</exception>
    public static Tensor Orthogonal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
            throw OpErrors.Argument("orthogonal_", $"only tensors with 2 or more dimensions are supported, got shape {tensor.Shape}.");
        if (tensor.Numel == 0) return tensor;
        var g = Begin(tensor, generator, "orthogonal_");
        double[] normals = Draws(tensor, g, normal: true);
        var values = new double[tensor.Numel];
        int rows = tensor.Size(0), cols = tensor.Numel / rows;
        bool transposed = rows < cols;
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        // q holds the n columns of an m×n matrix, column-major: q[j * m + i].
        var q = new double[m * n];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double v = normals[i * cols + j];
                if (transposed) q[i * m + j] = v;
                else q[j * m + i] = v;
            }
        GramSchmidt(q, m, n);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                values[i * cols + j] = gain * (transposed ? q[i * m + j] : q[j * m + i]);
        return Write(tensor, values);
    }

    // Orthonormalises the n columns of q (length m each) in place; each projection is done twice
    // ("twice is enough", Giraud et al. 2005) so the result is orthogonal to rounding error. The
    // implied R has a positive diagonal, which is the sign convention PyTorch's orthogonal_ enforces.
    private static void GramSchmidt(double[] q, int m, int n)
    {
        for (int j = 0; j < n; j++)
        {
            var cj = q.AsSpan(j * m, m);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int k = 0; k < j; k++)
                {
                    var ck = q.AsSpan(k * m, m);
                    double dot = 0;
                    for (int i = 0; i < m; i++) dot += ck[i] * cj[i];
                    for (int i = 0; i < m; i++) cj[i] -= dot * ck[i];
                }
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += cj[i] * cj[i];
            norm = Math.Sqrt(norm);
            if (norm == 0) throw OpErrors.State("orthogonal_", "the random matrix was rank-deficient; draw again.");
            for (int i = 0; i < m; i++) cj[i] /= norm;
        }
    }

    private static Generator Begin(Tensor tensor, Generator? generator, string op)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.DType.IsFloatingPoint())
            throw OpErrors.Argument(op, $"expected a floating-point tensor, got {tensor.DType.Name()}{tensor.Shape}.");
        return generator ?? Generator.Default;
    }

    /// <summary>Uniform or standard normal float64 draws for every element of <paramref name="tensor"/>, on the host (row-major).</summary>
    private static double[] Draws(Tensor tensor, Generator generator, bool normal)
    {
        using var noGrad = new NoGrad();
        var shape = tensor.Shape.ToArray();
        var draws = normal ? Tensor.Randn(shape, generator, DType.Float64) : Tensor.Rand(shape, generator, DType.Float64);
        return draws.ToArray<double>();
    }

    /// <summary>Copies host values (row-major, float64) into <paramref name="tensor"/> through its backend.</summary>
    private static Tensor Write(Tensor tensor, double[] values)
    {
        var storage = Backend.For(tensor.Device).FromHost(values, DType.Float64);
        return Write(tensor, Tensor.OverStorage(storage, tensor.Shape.ToArray()));
    }

    /// <summary>Copies float64 <paramref name="values"/> of <paramref name="tensor"/>'s shape into it, converted to its dtype.</summary>
    private static Tensor Write(Tensor tensor, Tensor values)
    {
        tensor.CopyFrom_(tensor.DType == DType.Float64 ? values : values.Storage.Backend.Cast(values, tensor.DType));
        return tensor;
    }

    /// <summary>Φ(z), the standard normal CDF.</summary>
    internal static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>erfc(x) to about 1e-14: a Maclaurin series for |x| &lt; 2.5, a continued fraction beyond.</summary>
    internal static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2.5)
        {
            // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0, term = x, x2 = x * x;
            for (int k = 0; k < 200; k++)
            {
                double add = term / (2 * k + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
                term *= -x2 / (k + 1);
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
        double f = x;
        for (int k = 60; k >= 1; k--) f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>Φ⁻¹(p): Acklam's rational approximation refined by one Halley step on <see cref="NormalCdf"/>.</summary>
    internal static double InverseNormalCdf(double p)
    {
        if (p <= 0) return double.NegativeInfinity;
        if (p >= 1) return double.PositiveInfinity;
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= 1 - low)
        {
            double q = p - 0.5, r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            double q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        double e = NormalCdf(x) - p;
        double u = e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }
}
