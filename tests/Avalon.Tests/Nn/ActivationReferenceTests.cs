using Avalon.Nn;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn;

/// <summary>
/// Every activation module against PyTorch's values in Data/Reference/activations.json: load the case's
/// parameters (PReLU), run forward and backward with its grad_output, and compare the output, the input
/// gradient and the parameter gradients.
/// </summary>
public sealed class ActivationReferenceTests
{
    public static IEnumerable<object[]> Cases() => ReferenceData.Load("activations").Cases.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = ReferenceData.Load("activations")[name];
        var input = NnTestUtil.ToTensor(c.Tensors("inputs")[0]!).RequiresGrad_();
        var module = Build(c, input.DType);
        var paramRefs = c.TensorMap("params");
        if (paramRefs.Count > 0) module.LoadStateDict(paramRefs.ToDictionary(kv => kv.Key, kv => NnTestUtil.ToTensor(kv.Value)));

        var output = module.Forward(input);
        var (rtol, atol) = input.DType == DType.Float64 ? (1e-10, 1e-12) : (1e-5, 1e-6);
        NnTestUtil.AssertClose(c.Tensor("output"), output, name + " output", rtol, atol);

        output.Backward(NnTestUtil.ToTensor(c.Tensor("grad_output")));
        Assert.NotNull(input.Grad);
        NnTestUtil.AssertClose(c.Tensors("grad_inputs")[0]!, input.Grad!, name + " grad of input", rtol, atol);
        var gradParams = c.TensorMap("grad_params");
        var named = module.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(gradParams.Keys.OrderBy(k => k), named.Keys.OrderBy(k => k));
        foreach (var (key, expected) in gradParams)
        {
            Assert.NotNull(named[key].Grad);
            NnTestUtil.AssertClose(expected, named[key].Grad!, $"{name} grad of {key}", rtol, atol);
        }
    }

    internal static Module Build(ReferenceCase c, DType dtype) => c.Kind switch
    {
        "ReLU" => new ReLU(),
        "ReLU6" => new ReLU6(),
        "LeakyReLU" => new LeakyReLU(c.ArgDouble("negative_slope", 0.01)),
        "PReLU" => new PReLU(c.ArgInt("num_parameters", 1), c.ArgDouble("init", 0.25), dtype),
        "ELU" => new ELU(c.ArgDouble("alpha", 1.0)),
        "SELU" => new SELU(),
        "CELU" => new CELU(c.ArgDouble("alpha", 1.0)),
        "GELU" => new GELU(c.ArgString("approximate", "none")),
        "SiLU" => new SiLU(),
        "Mish" => new Mish(),
        "Sigmoid" => new Sigmoid(),
        "LogSigmoid" => new LogSigmoid(),
        "Tanh" => new Tanh(),
        "Hardtanh" => new Hardtanh(c.ArgDouble("min_val", -1.0), c.ArgDouble("max_val", 1.0)),
        "Hardsigmoid" => new Hardsigmoid(),
        "Hardswish" => new Hardswish(),
        "Softplus" => new Softplus(c.ArgDouble("beta", 1.0), c.ArgDouble("threshold", 20.0)),
        "Softsign" => new Softsign(),
        "Softmax" => new Softmax(c.ArgInt("dim", 1)),
        "LogSoftmax" => new LogSoftmax(c.ArgInt("dim", 1)),
        "Softmin" => new Softmin(c.ArgInt("dim", 1)),
        "GLU" => new GLU(c.ArgInt("dim", -1)),
        "Threshold" => new Threshold(c.ArgDouble("threshold", 0), c.ArgDouble("value", 0)),
        "Tanhshrink" => new Tanhshrink(),
        "Softshrink" => new Softshrink(c.ArgDouble("lambd", 0.5)),
        "Hardshrink" => new Hardshrink(c.ArgDouble("lambd", 0.5)),
        _ => throw new NotSupportedException($"no builder for activation kind {c.Kind}"),
    };
}
