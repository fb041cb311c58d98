using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Tests.Autodiff;

/// <summary>The <c>torch.func</c>-style transforms of <see cref="Func"/> against finite differences and analytic values.</summary>
public sealed class FuncTests
{
    private const double H = 1e-6;

    // A vector function R^3 -> R^2 with curvature everywhere.
    private static Tensor F(Tensor x, Tensor a) => (a.MatMul(x.Tanh()) * x.Sum()).Exp() * 0.5;

    private static double[] Eval(Func<Tensor, Tensor> f, double[] x, int[] shape)
    {
        using (new NoGrad()) return f(Tensor.From((double[])x.Clone()).Reshape(shape)).ToDoubleArray();
    }

    // Central-difference Jacobian in float64: rows are output elements, columns input elements.
    private static double[,] NumericJacobian(Func<Tensor, Tensor> f, Tensor x)
    {
        var xs = x.ToDoubleArray();
        var shape = x.Shape.ToArray();
        int m = Eval(f, xs, shape).Length;
        var j = new double[m, xs.Length];
        for (int c = 0; c < xs.Length; c++)
        {
            double orig = xs[c];
            xs[c] = orig + H;
            var plus = Eval(f, xs, shape);
            xs[c] = orig - H;
            var minus = Eval(f, xs, shape);
            xs[c] = orig;
            for (int r = 0; r < m; r++) j[r, c] = (plus[r] - minus[r]) / (2 * H);
        }
        return j;
    }

    private static (Tensor X, Tensor A) Problem(int seed)
    {
        var g = new Generator((ulong)seed);
        return (Tensor.Randn([3], g, DType.Float64) * 0.5, Tensor.Randn([2, 3], g, DType.Float64) * 0.5);
    }

    [Fact]
    public void JacobianMatchesFiniteDifferences()
    {
        var (x, a) = Problem(1);
        var jac = Func.Jacobian(v => F(v, a), x);
        Assert.Equal([2, 3], jac.Shape.ToArray());
        var numeric = NumericJacobian(v => F(v, a), x);
        GradChecker.AssertClose(numeric.Cast<double>().ToArray(), jac.ToDoubleArray(), 1e-7, "J");
    }

    [Fact]
    public void VjpAndJvpAreTheJacobianTransposedAndApplied()
    {
        var (x, a) = Problem(2);
        var numeric = NumericJacobian(v => F(v, a), x);
        var u = Tensor.From(new[] { 0.7, -1.3 });
        var t = Tensor.From(new[] { 0.2, 1.1, -0.4 });
        var (output, vjpFn) = Func.Vjp(v => F(v, a), x);
        GradChecker.AssertClose(Eval(v => F(v, a), x.ToDoubleArray(), [3]), output.ToDoubleArray(), 1e-12, "vjp output");
        var vjp = vjpFn(u).ToDoubleArray();
        var (jvpOut, jvp) = Func.Jvp(v => F(v, a), x, t);
        GradChecker.AssertClose(output.ToDoubleArray(), jvpOut.ToDoubleArray(), 1e-12, "jvp output");
        var ud = u.ToDoubleArray();
        var td = t.ToDoubleArray();
        var expectedVjp = new double[3];
        var expectedJvp = new double[2];
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++)
            {
                expectedVjp[c] += ud[r] * numeric[r, c];
                expectedJvp[r] += numeric[r, c] * td[c];
            }
        GradChecker.AssertClose(expectedVjp, vjp, 1e-7, "vjp");
        GradChecker.AssertClose(expectedJvp, jvp.ToDoubleArray(), 1e-7, "jvp");
        // The pullback can be called again.
        GradChecker.AssertClose(vjp, vjpFn(u).ToDoubleArray(), 0, "vjp again");
    }

    [Fact]
    public void HessianAndHvpOfAQuadraticPlusExpAreAnalytic()
    {
        // f(x) = ½ xᵀAx + Σ exp(x):  H = (A + Aᵀ)/2 + diag(exp(x)).
        var g = new Generator(7);
        var a = Tensor.Randn([4, 4], g, DType.Float64);
        var x = Tensor.Randn([4], g, DType.Float64);
        var v = Tensor.Randn([4], g, DType.Float64);
        Tensor f(Tensor y) => (y * a.MatMul(y)).Sum() * 0.5 + y.Exp().Sum();
        var hess = Func.Hessian(f, x);
        Assert.Equal([4, 4], hess.Shape.ToArray());
        var ad = a.ToDoubleArray();
        var xd = x.ToDoubleArray();
        var vd = v.ToDoubleArray();
        var expected = new double[16];
        var hv = new double[4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                expected[i * 4 + j] = 0.5 * (ad[i * 4 + j] + ad[j * 4 + i]) + (i == j ? Math.Exp(xd[i]) : 0);
                hv[i] += expected[i * 4 + j] * vd[j];
            }
        GradChecker.AssertClose(expected, hess.ToDoubleArray(), 1e-12, "H");
        var (value, hvp) = Func.Hvp(f, x, v);
        GradChecker.AssertClose(hv, hvp.ToDoubleArray(), 1e-12, "Hv");
        Assert.Equal(f(x).Item(), value.Item(), 12);
    }

    [Fact]
    public void GradArgnumsAndAux()
    {
        var a = Tensor.From(new[] { 1.0, 2.0 });
        var b = Tensor.From(new[] { -3.0, 0.5 });
        Tensor f(Tensor[] p) => (p[0] * p[1] * p[1]).Sum();
        Assert.Equal([9.0, 0.25], Func.Grad(f)([a, b])[0].ToDoubleArray());                 // default: argnums 0 → b²
        Assert.Equal([-6.0, 2.0], Func.Grad(f, 1)([a, b])[0].ToDoubleArray());              // 2ab
        var both = Func.Grad(f, 1, 0)([a, b]);
        Assert.Equal([-6.0, 2.0], both[0].ToDoubleArray());
        Assert.Equal([9.0, 0.25], both[1].ToDoubleArray());
        var (value, grads, aux) = Func.GradWithAux<string>(p => ((p[0] * p[0]).Sum(), "aux"), 0)([a, b]);
        Assert.Equal(5.0, value.Item());
        Assert.Equal([2.0, 4.0], grads[0].ToDoubleArray());
        Assert.Equal("aux", aux);
        Assert.Equal([Math.Cos(1.0), Math.Cos(2.0)], Func.Grad(x => x.Sin().Sum())(a).ToDoubleArray());
        Assert.Throws<ArgumentException>(() => Func.Grad(f, 2)([a, b]));
        var ex = Assert.Throws<InvalidOperationException>(() => Func.Grad(x => x * 2.0)(a));
        Assert.Contains("single-element", ex.Message);
    }

    [Fact]
    public void TransformsNest()
    {
        // The gradient of x ↦ (Hessian-vector product with v) · w is a third derivative: for Σ x⁴ it is 24 x v w.
        var x = Tensor.From(new[] { 0.5, -1.0, 2.0 });
        var v = Tensor.From(new[] { 1.0, 2.0, -1.0 });
        var w = Tensor.From(new[] { 0.5, 0.5, 3.0 });
        var third = Func.Grad(y => (Func.Hvp(z => (z * z * z * z).Sum(), y, v).Hvp * w).Sum())(x).ToDoubleArray();
        var xd = x.ToDoubleArray();
        var vd = v.ToDoubleArray();
        var wd = w.ToDoubleArray();
        for (int i = 0; i < 3; i++) Assert.Equal(24 * xd[i] * vd[i] * wd[i], third[i], 10);
    }

    private sealed class Mlp : Module
    {
        public Linear Fc1 = new(3, 4, dtype: DType.Float64, generator: new Generator(21));
        public Linear Fc2 = new(4, 2, dtype: DType.Float64, generator: new Generator(22));

        public override Tensor Forward(Tensor x) => Fc2.Forward((Fc1.Forward(x).Exp() + 1.0).Log());
    }

    [Fact]
    public void OverAModelsParametersMatchFiniteDifferences()
    {
        var model = new Mlp();
        var x = Tensor.Randn([5, 3], new Generator(23), DType.Float64);
        var target = Tensor.Randn([5, 2], new Generator(24), DType.Float64);
        Tensor Loss() { var d = model.Forward(x) - target; return (d * d).Mean(); }

        var theta = model.ParametersToVector();
        int n = theta.Numel;
        Assert.Equal(4 * 3 + 4 + 2 * 4 + 2, n);
        double[] GradAt(double[] p)
        {
            model.VectorToParameters(Tensor.From(p));
            var r = Grad.Of(model, Loss);
            return Tensor.Cat(r.Gradients.Select(t => t.Flatten()).ToArray()).ToDoubleArray();
        }
        var p0 = theta.ToDoubleArray();
        var numeric = new double[n * n];
        for (int c = 0; c < n; c++)
        {
            var p = (double[])p0.Clone();
            p[c] += H;
            var plus = GradAt(p);
            p[c] -= 2 * H;
            var minus = GradAt(p);
            for (int r = 0; r < n; r++) numeric[r * n + c] = (plus[r] - minus[r]) / (2 * H);
        }
        model.VectorToParameters(Tensor.From(p0));

        var hess = Func.Hessian(model, Loss);
        Assert.Equal([n, n], hess.Shape.ToArray());
        GradChecker.AssertClose(numeric, hess.ToDoubleArray(), 1e-6, "H");

        // Hvp and Jvp over named parameters agree with the Hessian and the gradient.
        var tangents = new Dictionary<string, Tensor>();
        var vParts = new List<double>();
        var g = new Generator(25);
        foreach (var (name, prm) in model.NamedParameters())
        {
            var t = Tensor.Randn(prm.Shape.ToArray(), g, DType.Float64);
            tangents[name] = t;
            vParts.AddRange(t.ToDoubleArray());
        }
        var hd = hess.ToDoubleArray();
        var expectedHv = new double[n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) expectedHv[r] += hd[r * n + c] * vParts[c];
        var (value, hvp) = Func.Hvp(model, Loss, tangents);
        Assert.Equal(Loss().Item(), value.Item(), 12);
        GradChecker.AssertClose(expectedHv, hvp.Values.SelectMany(t => t.ToDoubleArray()).ToArray(), 1e-10, "Hv");

        var grad = GradAt(p0);
        model.VectorToParameters(Tensor.From(p0));
        var (_, jvp) = Func.Jvp(model, Loss, tangents);
        Assert.Equal(grad.Zip(vParts, (a, b) => a * b).Sum(), jvp.Item(), 10);

        // The Jacobian of the outputs by parameter, against the pullback of each output element.
        var jac = Func.Jacobian(model, () => model.Forward(x));
        Assert.Equal([5, 2, 4, 3], jac["fc1.weight"].Shape.ToArray());
        var (_, vjpFn) = Func.Vjp(model, () => model.Forward(x));
        var u = Tensor.Randn([5, 2], g, DType.Float64);
        var pulled = vjpFn(u);
        var expectedBias = (u.Reshape(10, 1) * jac["fc2.bias"].Reshape(10, 2)).Sum([0]).ToDoubleArray();
        GradChecker.AssertClose(expectedBias, pulled["fc2.bias"].ToDoubleArray(), 1e-12, "vjp fc2.bias");

        var ex = Assert.Throws<ArgumentException>(() => Func.Hvp(model, Loss, new Dictionary<string, Tensor> { ["nope"] = theta }));
        Assert.Contains("fc1.weight", ex.Message);
        // No eager gradients were written.
        Assert.All(model.NamedParameters(), p => Assert.Null(p.Value.Grad));
    }
}
