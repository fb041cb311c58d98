using Avalon.Primitives;

namespace Avalon.Distributed;

/// <summary>
/// <c>all_reduce_sum(x)</c>: the element-wise sum of <c>x</c> over every process of
/// <see cref="ProcessGroup.World"/>, as a differentiable primitive (PyTorch's
/// <c>torch.distributed.nn.functional.all_reduce</c>). It is what makes <see cref="SyncBatchNorm"/>'s
/// gradients right without a hand-written backward.
/// </summary>
/// <remarks>
/// <para><b>Derivative.</b> Every process receives the same sum <c>y = Σₖ xₖ</c>, and the objective being
/// differentiated is the sum of every process's loss. The gradient reaching <c>xₖ</c> is therefore the
/// sum over processes of the gradients reaching their copies of <c>y</c>: the rule is
/// <c>all_reduce_sum(grad)</c>, itself recorded, so the backward pass makes one collective per forward
/// collective, in the reverse order, on every process.</para>
/// <para><b>Kernel.</b> One device-neutral kernel, registered for every device type: the input is copied
/// to the host, reduced with a non-blocking <c>MPI_Iallreduce</c> waited for under the group's timeout,
/// and written into the output buffer through its backend. With a single process it is a copy.</para>
/// <para><b>Effects.</b> Declared pure: its value depends on the other processes as well, but every process
/// runs (and a compiler would rewrite) the same calls in the same order, which is all MPI requires.
/// Collectives must be called in the same order on every process.</para>
/// </remarks>
internal sealed class AllReduceSumPrimitive : Primitive
{
    private static readonly Lazy<AllReduceSumPrimitive> s_instance = new(() => new AllReduceSumPrimitive());

    private AllReduceSumPrimitive() : base("all_reduce_sum")
    {
        foreach (var type in Enum.GetValues<DeviceType>()) RegisterKernel(type, Reduce);
    }

    /// <summary>The primitive, registered on first use.</summary>
    public static AllReduceSumPrimitive Instance => s_instance.Value;

    /// <inheritdoc />
    public override IReadOnlyList<string> InputNames { get; } = ["input"];

    /// <summary>The rule all-reduces the gradient; it reads no input values.</summary>
    public override bool RuleReadsInput(int index) => false;

    /// <summary>The sum of <paramref name="x"/> over all processes (recorded and differentiable).</summary>
    public static Tensor Sum(Tensor x) => Instance.Invoke(Attributes.Empty, x);

    /// <inheritdoc />
    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != 1)
            throw new ArgumentException($"all_reduce_sum: expected one input, got {inputs.Length}.");
        if (inputs[0].DType is not (DType.Float32 or DType.Float64))
            throw new NotSupportedException($"all_reduce_sum: dtype {inputs[0].DType.Name()} is not supported (expected one of float32, float64); input {inputs[0]}.");
        return inputs[0];
    }

    /// <inheritdoc />
    public override Tensor?[] Backward(GradContext c) => [c.NeedsInputGrad[0] ? Sum(c.GradOutput) : null];

    private static void Reduce(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var input = inputs[0];
        var output = outputs[0];
        var host = input.Storage.Backend.ToHost(input);
        var group = ProcessGroup.World;
        if (group.WorldSize > 1 && host.Length > 0)
        {
            var request = host switch
            {
                float[] f => Mpi.StartAllReduce(f, 0, f.Length, MpiOp.Sum),
                double[] d => Mpi.StartAllReduce(d, 0, d.Length, MpiOp.Sum),
                _ => throw new NotSupportedException($"all_reduce_sum: dtype {input.DType.Name()} is not supported (expected one of float32, float64)."),
            };
            group.Wait(request);
        }
        var backend = output.Storage.Backend;
        var staged = Tensor.OverStorage(backend.FromHost(host, input.DType), input.Shape.ToArray());
        backend.Copy(staged, output);
    }
}
