using Avalon.Backends.Cpu.Memory;
using static Avalon.Nn.Functional;

namespace Avalon.Tests.Backends.Cpu.Memory;

/// <summary>
/// The uninitialised allocation path: poisoning works, zeroed allocation stays zeroed, and every kernel
/// that uses uninitialised outputs gives bit-identical results whether the fresh memory is zero or NaN.
/// </summary>
[Collection(PoisonCollection.Name)]
public class UninitializedArraysTests
{
    // Sizes on both sides of the runtime's threshold for skipping the zeroing (a few kilobytes) and of
    // the large object heap (85,000 bytes).
    public static TheoryData<int> Lengths => new() { 0, 1, 7, 1000, 30_000, 100_000 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void PoisonFillsEveryElementOfEveryDType(int length)
    {
        using var _ = new PoisonScope(true);
        Assert.All((float[])UninitializedArrays.Allocate(DType.Float32, length), v => Assert.True(float.IsNaN(v)));
        Assert.All((double[])UninitializedArrays.Allocate(DType.Float64, length), v => Assert.True(double.IsNaN(v)));
        Assert.All((int[])UninitializedArrays.Allocate(DType.Int32, length), v => Assert.Equal(UninitializedArrays.PoisonInt32, v));
        Assert.All((long[])UninitializedArrays.Allocate(DType.Int64, length), v => Assert.Equal(UninitializedArrays.PoisonInt64, v));
        Assert.All((bool[])UninitializedArrays.Allocate(DType.Bool, length), Assert.True);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void EmptyStaysZeroedWhilePoisoningIsOn(int length)
    {
        using var _ = new PoisonScope(true);
        // Churn the heap so that a recycled, dirty block would show up if Empty stopped zeroing.
        for (int i = 0; i < 4; i++) GC.KeepAlive(Tensor.Uninitialized([length], DType.Float32, Device.Cpu));
        Assert.All(Tensor.Empty([length], DType.Float32, Device.Cpu).ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(Tensor.Empty([length], DType.Int64, Device.Cpu).ToArray<long>(), v => Assert.Equal(0L, v));
    }

    [Fact]
    public void UninitializedTensorIsPoisonedWhenPoisoningIsOn()
    {
        using var _ = new PoisonScope(true);
        var t = Tensor.Uninitialized([3, 5], DType.Float32, Device.Cpu);
        Assert.Equal([3, 5], t.Shape.ToArray());
        Assert.All(t.ToArray<float>(), v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>A computation over fixed random inputs that returns every tensor it wants compared.</summary>
    public sealed record Case(string Name, Func<Tensor[]> Run)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases()
    {
        static Tensor R(int seed, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)seed));
        var data = new TheoryData<Case>
        {
            new("add broadcast", () => [R(1, 3, 1, 17).Add(R(2, 5, 1))]),
            new("add strided", () => [R(1, 9, 13).Transpose(0, 1).Add(R(2, 13, 9))]),
            new("add int64", () => [Tensor.RandInt(-5, 5, [1031], new Generator(3)).Add(Tensor.RandInt(-5, 5, [1031], new Generator(4)))]),
            new("exp strided", () => [R(1, 33, 65).Transpose(0, 1).Exp()]),
            new("relu large", () => [R(1, 100, 20, 24, 24).Relu()]),
            new("neg empty", () => [R(1, 0, 4).Neg()]),
            new("where broadcast", () => [Tensor.Where(R(1, 7, 1).Gt(0), R(2, 1, 11), R(3, 7, 11))]),
            new("gt scalar", () => [R(1, 40_000).Gt(0.25).To(DType.Float32)]),
            new("lt broadcast", () => [R(1, 6, 1, 9).Lt(R(2, 5, 1)).To(DType.Int64)]),
            new("matmul", () => [R(1, 37, 129).MatMul(R(2, 129, 65))]),
            new("matmul transposed", () => [R(1, 129, 37).Transpose(0, 1).MatMul(R(2, 65, 129).Transpose(0, 1))]),
            new("matmul batched broadcast", () => [R(1, 3, 1, 9, 17).MatMul(R(2, 4, 17, 5))]),
            new("matmul k=0", () => [R(1, 5, 0).MatMul(R(2, 0, 7))]),
            new("contiguous copy", () => [R(1, 2, 3, 4, 5).Permute(3, 1, 0, 2).Contiguous()]),
            new("cast", () => [R(1, 1000).Mul(Tensor.Full([1], 100.0)).To(DType.Int32).To(DType.Float64)]),
            new("conv2d", () => [Conv2d(R(1, 3, 5, 17, 19), R(2, 7, 5, 3, 4), R(3, 7), stride: [2, 1], padding: [1, 2])]),
            new("conv2d grouped pointwise", () => [Conv2d(R(1, 2, 6, 9, 9), R(2, 4, 3, 1, 1), (Tensor?)null, groups: 2)]),
            new("conv_transpose2d", () => [ConvTranspose2d(R(1, 2, 4, 6, 7), R(2, 4, 3, 3, 3), R(3, 3), stride: [2, 2], padding: [1, 0], outputPadding: [1, 1])]),
            new("max_pool2d padded ceil", () =>
            {
                var (values, indices) = MaxPool2dWithIndices(R(1, 2, 3, 11, 10), [3, 2], [2, 2], [1, 1], null, ceilMode: true);
                return [values, indices.To(DType.Float64)];
            }),
            new("conv net gradients", ConvNetGradients),
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResultsDoNotDependOnWhatFreshMemoryHolds(Case c)
    {
        double[][] zeroed, poisoned;
        using (new PoisonScope(false)) zeroed = Flatten(c.Run());
        using (new PoisonScope(true)) poisoned = Flatten(c.Run());

        Assert.Equal(zeroed.Length, poisoned.Length);
        for (int t = 0; t < zeroed.Length; t++)
        {
            Assert.Equal(zeroed[t].Length, poisoned[t].Length);
            for (int i = 0; i < zeroed[t].Length; i++)
            {
                // Bitwise: the same kernels ran on the same inputs, only fresh memory differed.
                if (BitConverter.DoubleToInt64Bits(zeroed[t][i]) != BitConverter.DoubleToInt64Bits(poisoned[t][i]))
                    Assert.Fail($"{c.Name}: output {t} element {i} is {poisoned[t][i]} with poisoned allocation but {zeroed[t][i]} with zeroed allocation");
            }
            Assert.DoesNotContain(zeroed[t], double.IsNaN);
        }
    }

    /// <summary>The LeNet pattern (conv, relu, max pool, linear, log-softmax, NLL) forward and backward.</summary>
    private static Tensor[] ConvNetGradients()
    {
        var gen = new Generator(7);
        var x = Tensor.Randn([4, 1, 12, 12], gen);
        var w1 = Tensor.Randn([3, 1, 3, 3], gen).RequiresGrad_();
        var b1 = Tensor.Randn([3], gen).RequiresGrad_();
        var w2 = Tensor.Randn([10, 3 * 5 * 5], gen).RequiresGrad_();
        var target = Tensor.RandInt(0, 10, [4], gen);
        var h = MaxPool2d(Relu(Conv2d(x, w1, b1)), 2);
        var logits = h.Reshape(4, -1).MatMul(w2.Transpose(0, 1));
        var loss = NllLoss(LogSoftmax(logits, dim: 1), target);
        loss.Backward();
        return [loss, w1.Grad!, b1.Grad!, w2.Grad!];
    }

    private static double[][] Flatten(Tensor[] tensors) =>
        Array.ConvertAll(tensors, t => t.Detach().To(DType.Float64).ToArray<double>());

    /// <summary>Sets poisoning for a scope and restores the previous setting.</summary>
    private readonly struct PoisonScope : IDisposable
    {
        private readonly bool _saved;

        public PoisonScope(bool poison)
        {
            _saved = UninitializedArrays.Poison;
            UninitializedArrays.Poison = poison;
        }

        public void Dispose() => UninitializedArrays.Poison = _saved;
    }
}
