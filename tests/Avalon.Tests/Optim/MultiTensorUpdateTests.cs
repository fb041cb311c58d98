using Avalon.Optim;
using Avalon.Primitives;
using Avalon.Primitives.Optim;

namespace Avalon.Tests.Optim;

/// <summary>
/// The multi-tensor updates (one call per parameter group, which eager Step now makes) give bit for bit
/// the results of the single-tensor primitives called once per parameter.
/// </summary>
public sealed class MultiTensorUpdateTests
{
    private static Tensor[] Parameters(int seed) =>
    [
        Tensor.Randn([5, 7], new Generator((ulong)seed)),
        Tensor.Randn([40000], new Generator((ulong)seed + 1)),     // more than one parallel chunk
        Tensor.Randn([3], new Generator((ulong)seed + 2)),
    ];

    private static Tensor[] Gradients(int step) =>
    [
        Tensor.Randn([5, 7], new Generator((ulong)(50 + step))),
        Tensor.Randn([40000], new Generator((ulong)(60 + step))),
        Tensor.Randn([3], new Generator((ulong)(70 + step))),
    ];

    private static void AssertBitwise(Tensor[] expected, Tensor[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].ToArray<float>().AsSpan().SequenceEqual(actual[i].ToArray<float>()), $"{what}: parameter {i} differs");
    }

    [Theory]
    [InlineData(false, false, 0.0)]
    [InlineData(true, false, 0.01)]
    [InlineData(false, true, 0.01)]
    [InlineData(true, true, 0.0)]
    public void AdamStepsEqualTheSingleTensorUpdateBitwise(bool amsgrad, bool decoupled, double weightDecay)
    {
        var reference = Parameters(1);
        var fused = Parameters(1);
        foreach (var p in fused) p.RequiresGrad = true;
        Optimizer optimizer = decoupled
            ? new AdamW(fused, lr: 3e-3, weightDecay: weightDecay, amsgrad: amsgrad)
            : new Adam(fused, lr: 3e-3, weightDecay: weightDecay, amsgrad: amsgrad);
        var m = reference.Select(p => Tensor.ZerosLike(p)).ToArray();
        var v = reference.Select(p => Tensor.ZerosLike(p)).ToArray();
        var max = reference.Select(p => Tensor.ZerosLike(p)).ToArray();
        var single = amsgrad ? OptimPrimitives.AdamAmsgradUpdate : OptimPrimitives.AdamUpdate;
        var attributes = Attributes.Of(("lr", 3e-3), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
            ("weight_decay", weightDecay), ("maximize", false), ("decoupled", decoupled));
        for (int step = 1; step <= 4; step++)
        {
            var grads = Gradients(step);
            for (int i = 0; i < reference.Length; i++)
            {
                var t = Tensor.Scalar(step, DType.Float64);
                if (amsgrad) single.InvokeMany(attributes, reference[i], grads[i], m[i], v[i], max[i], t);
                else single.InvokeMany(attributes, reference[i], grads[i], m[i], v[i], t);
                fused[i].Grad = grads[i];
            }
            optimizer.Step();
            AssertBitwise(reference, fused, $"step {step}");
        }
    }

    [Theory]
    [InlineData(0.0, false, 0.0)]
    [InlineData(0.9, false, 0.1)]
    [InlineData(0.9, true, 0.0)]
    public void SgdStepsEqualTheSingleTensorUpdateBitwise(double momentum, bool nesterov, double dampening)
    {
        var reference = Parameters(2);
        var fused = Parameters(2);
        foreach (var p in fused) p.RequiresGrad = true;
        var optimizer = new Sgd(fused, lr: 0.05, momentum: momentum, dampening: dampening, nesterov: nesterov, weightDecay: 1e-3);
        var buffers = reference.Select(p => Tensor.ZerosLike(p)).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            var grads = Gradients(step);
            for (int i = 0; i < reference.Length; i++)
            {
                if (momentum == 0)
                    OptimPrimitives.SgdUpdate.InvokeMany(Attributes.Of(("lr", 0.05), ("weight_decay", 1e-3), ("maximize", false)), reference[i], grads[i]);
                else
                    OptimPrimitives.SgdMomentumUpdate.InvokeMany(Attributes.Of(("lr", 0.05), ("momentum", momentum), ("dampening", dampening),
                        ("weight_decay", 1e-3), ("nesterov", nesterov), ("maximize", false), ("first_step", step == 1)), reference[i], grads[i], buffers[i]);
                fused[i].Grad = grads[i];
            }
            optimizer.Step();
            AssertBitwise(reference, fused, $"step {step}");
        }
    }

    [Fact]
    public void OneCallUpdatesAWholeGroupAndChecksEveryParameter()
    {
        var ps = Parameters(3);
        var primitive = MultiTensorUpdatePrimitive.For(OptimPrimitives.SgdUpdate, ps.Length);
        Assert.Equal("multi_tensor_sgd_update_", primitive.Name);
        Assert.Same(primitive, MultiTensorUpdatePrimitive.For(OptimPrimitives.SgdUpdate, ps.Length));
        var lr = Tensor.Scalar(0.5, DType.Float64);
        var badGrads = new[] { Tensor.Zeros(5, 7), Tensor.Zeros(3), Tensor.Zeros(3) };
        var error = Assert.Throws<ArgumentException>(() => primitive.InvokeMany(Attributes.Empty, [.. ps, .. badGrads, lr]));
        Assert.Contains("parameter 1 of 3", error.Message);
        var before = ps.Select(p => p.ToArray<float>()).ToArray();
        var grads = Gradients(1);
        primitive.InvokeMany(Attributes.Empty, [.. ps, .. grads, lr]);
        for (int i = 0; i < ps.Length; i++)
        {
            var g = grads[i].ToArray<float>();
            var expected = before[i].Select((x, k) => x - 0.5f * g[k]).ToArray();
            Assert.Equal(expected, ps[i].ToArray<float>());
        }
    }
}
