using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Convolution;
using Avalon.Primitives;
using Avalon.Primitives.Convolution;
using Avalon.Primitives.Pooling;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// The convolution and pooling kernels, called as a compiled plan calls them (the registered kernel,
/// given its inputs, attributes and preallocated outputs), allocate nothing on the managed heap after
/// warm-up, on one thread and on several: geometry, job objects, delegates, scratch and the parallel
/// loop are all reused. <see cref="CpuParallel.For"/> itself allocates nothing and covers every index once.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class KernelAllocationTests
{
    public static TheoryData<int> ThreadCounts => new() { 1, 3 };

    /// <summary>The least managed allocation of one call over several calls after a warm-up.</summary>
    private static long BytesPerCall(Action call)
    {
        for (int i = 0; i < 4; i++) call();
        long least = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            call();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    private static void WithThreads(int threads, Action body)
    {
        int saved = Threads.Count;
        Threads.Count = threads;
        try
        {
            body();
        }
        finally
        {
            Threads.Count = saved;
        }
    }

    /// <summary>Runs the primitive once to get its outputs, then measures its CPU kernel writing into them.</summary>
    private static void AssertKernelAllocatesNothing(Primitive primitive, Attributes attributes, params Tensor[] inputs)
    {
        Tensor[] outputs = primitive.InvokeMany(attributes, inputs);
        Kernel kernel = primitive.KernelFor(Device.Cpu);
        long bytes = BytesPerCall(() => kernel(inputs, attributes, outputs));
        Assert.True(bytes == 0, $"{primitive.Name} on {string.Join(", ", inputs.Select(t => t.Shape.ToString()))} " +
            $"with {Threads.Count} thread(s) allocated {bytes} bytes per call after warm-up.");
    }

    private static Tensor Random(params int[] shape) => Tensor.Randn(shape, new Generator(7));

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void ConvolutionKernelsAllocateNothing(int threads) => WithThreads(threads, () =>
    {
        // Batch 8 and batch 1; im2col + GEMM (16 input channels), the direct kernel (1 channel), pointwise.
        foreach (var (n, cin, cout, k, pad) in new[] { (8, 16, 32, 3, 1), (1, 16, 8, 3, 0), (8, 1, 20, 5, 0), (1, 1, 16, 3, 1), (4, 8, 8, 1, 0) })
        {
            var attrs = ConvAttributes.Of([1, 1], [pad, pad], [1, 1], 1);
            var x = Random(n, cin, 12, 12);
            var w = Random(cout, cin, k, k);
            var b = Random(cout);
            AssertKernelAllocatesNothing(ConvolutionPrimitives.Conv, attrs, x, w, b);
            var gy = ConvolutionPrimitives.Conv.Invoke(attrs, x, w);
            AssertKernelAllocatesNothing(ConvolutionPrimitives.ConvBackwardInput, ConvAttributes.Read(attrs).With("input_size", [12, 12]), gy, w);
            AssertKernelAllocatesNothing(ConvolutionPrimitives.ConvBackwardWeight, ConvAttributes.Read(attrs).With("kernel_size", [k, k]), x, gy);
        }
    });

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void TransposedConvolutionAllocatesNothing(int threads) => WithThreads(threads, () =>
    {
        var attrs = ConvAttributes.Of([2, 2], [1, 1], [1, 1], 1);
        AssertKernelAllocatesNothing(ConvolutionPrimitives.ConvTranspose, attrs, Random(4, 8, 7, 7), Random(8, 4, 3, 3), Random(4));
    });

    [Fact]
    public void BiasGradientAllocatesNothing()
    {
        var g = ConvGeometry.Create(8, 3, 6, 1, [10, 10], [3, 3], [1, 1], [1, 1], [1, 1]);
        var gy = new float[g.OutputLength];
        var gb = new float[g.OutChannels];
        Assert.Equal(0, BytesPerCall(() => ConvolutionBias.Backward<float>(g, gy, gb)));
    }

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void PoolingKernelsAllocateNothing(int threads) => WithThreads(threads, () =>
    {
        foreach (var (n, c, size, k, s, p) in new[] { (8, 16, 28, 2, 2, 0), (1, 3, 9, 3, 2, 1), (16, 32, 14, 3, 1, 1) })
        {
            var x = Random(n, c, size, size);
            var maxAttrs = Attributes.Of(("kernel_size", new[] { k, k }), ("stride", new[] { s, s }), ("padding", new[] { p, p }),
                ("dilation", new[] { 1, 1 }), ("ceil_mode", false));
            AssertKernelAllocatesNothing(PoolingPrimitives.MaxPool, maxAttrs, x);
            AssertKernelAllocatesNothing(PoolingPrimitives.MaxPoolWithIndices, maxAttrs, x);
            var pooled = PoolingPrimitives.MaxPoolWithIndices.InvokeMany(maxAttrs, x);
            var inputSize = Attributes.Of(("input_size", new[] { size, size }));
            AssertKernelAllocatesNothing(PoolingPrimitives.MaxPoolBackward, inputSize, pooled[0], pooled[1]);
            AssertKernelAllocatesNothing(PoolingPrimitives.MaxPoolGather, Attributes.Empty, x, pooled[1]);

            var avgAttrs = Attributes.Of(("kernel_size", new[] { k, k }), ("stride", new[] { s, s }), ("padding", new[] { p, p }),
                ("ceil_mode", false), ("count_include_pad", true));
            AssertKernelAllocatesNothing(PoolingPrimitives.AvgPool, avgAttrs, x);
            var averaged = PoolingPrimitives.AvgPool.Invoke(avgAttrs, x);
            var avgBackward = Attributes.Of(("kernel_size", new[] { k, k }), ("stride", new[] { s, s }), ("padding", new[] { p, p }),
                ("ceil_mode", false), ("count_include_pad", true), ("input_size", new[] { size, size }));
            AssertKernelAllocatesNothing(PoolingPrimitives.AvgPoolBackward, avgBackward, averaged);
        }
    });

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void ParallelForCoversEveryIndexOnceAndAllocatesNothing(int threads) => WithThreads(threads, () =>
    {
        const int count = 1000;
        var hits = new int[count];
        Action<int> body = i => Interlocked.Increment(ref hits[i]);
        Assert.Equal(0, BytesPerCall(() => CpuParallel.For(count, body)));
        // 4 warm-up calls and 5 measured ones.
        Assert.All(hits, h => Assert.Equal(9, h));
    });

    [Fact]
    public void NestedParallelLoopsStillCoverEveryIndex()
    {
        WithThreads(3, () =>
        {
            // An inner loop started from inside an outer one finds the team busy and takes the fallback.
            var hits = new int[12 * 20];
            CpuParallel.For(12, i => CpuParallel.For(20, j => Interlocked.Increment(ref hits[i * 20 + j])));
            Assert.All(hits, h => Assert.Equal(1, h));
        });
    }

    [Fact]
    public void AnExceptionInTheBodyReachesTheCaller()
    {
        WithThreads(3, () =>
        {
            var e = Record.Exception(() => CpuParallel.For(50, i =>
            {
                if (i == 37) throw new InvalidOperationException("item 37");
            }));
            Assert.NotNull(e);
            Assert.Contains("item 37", e is AggregateException a ? a.InnerException!.Message : e.Message);
            // The loop is usable again afterwards.
            int sum = 0;
            CpuParallel.For(10, i => Interlocked.Add(ref sum, i));
            Assert.Equal(45, sum);
        });
    }
}
