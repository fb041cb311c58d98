using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Convolution;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using static Avalon.Nn.Functional;
using static Avalon.Tests.Backends.Cpu.ConvolutionKernelTests;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// Tests that set the global thread budget (<see cref="Threads.Count"/>): they run alone, never
/// beside a test that reads the budget.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Thread count";
}

/// <summary>
/// The same inputs give bitwise the same results with 1, 2 or 3 threads: every kernel that splits a
/// reduction over threads does so over chunks whose boundaries do not depend on the thread count, and
/// adds the chunks' partial results in a fixed order. Checked kernel by kernel (convolution weight and
/// bias gradients in 1, 2 and 3 dims, transposed convolution, the reductions, softmax, normalisation)
/// and end to end on 20 Adam steps of a LeNet.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class ThreadCountDeterminismTests
{
    private static readonly int[] s_threadCounts = [1, 2, 3];

    /// <summary>Runs <paramref name="compute"/> once per thread count and returns the results in that order.</summary>
    private static List<TResult> WithEachThreadCount<TResult>(Func<TResult> compute)
    {
        int saved = Threads.Count;
        var results = new List<TResult>();
        try
        {
            foreach (int threads in s_threadCounts)
            {
                Threads.Count = threads;
                results.Add(compute());
            }
        }
        finally
        {
            Threads.Count = saved;
        }
        return results;
    }

    /// <summary>Asserts that every result is bitwise the one computed with one thread (NaN payloads included).</summary>
    private static void AssertBitwiseEqual(IReadOnlyList<float[]> results, string what)
    {
        for (int r = 1; r < results.Count; r++)
        {
            Assert.Equal(results[0].Length, results[r].Length);
            int differing = 0, first = -1;
            for (int i = 0; i < results[0].Length; i++)
                if (BitConverter.SingleToUInt32Bits(results[0][i]) != BitConverter.SingleToUInt32Bits(results[r][i]))
                {
                    differing++;
                    if (first < 0) first = i;
                }
            Assert.True(differing == 0,
                $"{what}: {differing} of {results[0].Length} elements differ between 1 and {s_threadCounts[r]} threads " +
                $"(first at {first}: {(first < 0 ? 0 : results[0][first]):R} vs {(first < 0 ? 0 : results[r][first]):R}).");
        }
    }

    private static void AssertBitwiseEqual(IReadOnlyList<double[]> results, string what)
    {
        for (int r = 1; r < results.Count; r++)
        {
            Assert.Equal(results[0].Length, results[r].Length);
            int differing = 0;
            for (int i = 0; i < results[0].Length; i++)
                if (BitConverter.DoubleToUInt64Bits(results[0][i]) != BitConverter.DoubleToUInt64Bits(results[r][i]))
                    differing++;
            Assert.True(differing == 0,
                $"{what}: {differing} of {results[0].Length} elements differ between 1 and {s_threadCounts[r]} threads.");
        }
    }

    /// <summary>
    /// Convolution problems whose batches are not multiples of any chunk size the kernels pick (primes, and
    /// sizes just past a multiple), in 1, 2 and 3 dims, grouped, strided, dilated and pointwise.
    /// </summary>
    public static TheoryData<ConvCase> WeightGradientCases => new()
    {
        new(37, 3, 8, 1, [64], [5], [1], [2], [1]),
        new(23, 4, 6, 2, [41], [3], [2], [1], [2]),
        new(41, 1, 20, 1, [28, 28], [5, 5], [1, 1], [0, 0], [1, 1]),
        new(29, 20, 50, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]),
        new(17, 6, 12, 3, [15, 13], [3, 3], [2, 1], [1, 1], [1, 2]),
        new(33, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]),
        new(19, 8, 8, 1, [9, 9], [1, 1], [1, 1], [0, 0], [1, 1]),
        new(13, 3, 4, 1, [7, 8, 6], [3, 3, 2], [1, 2, 1], [1, 0, 1], [1, 1, 1]),
        new(11, 4, 6, 2, [5, 6, 7], [2, 3, 3], [1, 1, 2], [0, 1, 1], [2, 1, 1]),
        new(2, 3, 5, 1, [10, 10], [3, 3], [1, 1], [1, 1], [1, 1]),
        new(1, 3, 5, 1, [10, 10], [3, 3], [1, 1], [1, 1], [1, 1]),
    };

    /// <summary>Single images through the direct kernels, whose output channels are then split across threads (each slice above a megaflop).</summary>
    public static TheoryData<ConvCase> SingleImageCases => new()
    {
        new(1, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]),   // along positions (8-channel blocks)
        new(1, 32, 40, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]),     // along channels where AVX-512 has it
        new(1, 32, 68, 2, [20, 21], [3, 3], [1, 1], [1, 1], [1, 1]),   // groups: two slices of 34 channels
        new(2, 16, 40, 1, [16, 16], [3, 3], [1, 1], [0, 0], [1, 1]),   // two images, more threads than slices
    };

    [Theory]
    [MemberData(nameof(SingleImageCases))]
    public void DirectForwardOfFewImages_SplitsChannelsWithoutChangingABit(ConvCase c) => DirectConvolutionTests.WithoutWinograd(() =>
    {
        var rng = new Random(StableSeed(c));
        var g = c.Geometry();
        float[] x = ToFloat(RandomArray(rng, g.InputLength)), w = ToFloat(RandomArray(rng, g.WeightLength)), b = ToFloat(RandomArray(rng, c.Cout));
        var results = WithEachThreadCount(() =>
        {
            var y = new float[g.OutputLength];
            ConvolutionForward.Run<float>(g, x, w, b, y);
            return y;
        });
        AssertBitwiseEqual(results, $"float32 conv output of {c}");
        ConvolutionKernelTests.AssertClose(ConvolutionKernelTests.NaiveConv(c, ToDouble(x), ToDouble(w), ToDouble(b)), ToDouble(results[^1]), 1e-5,
            $"{c} against the naive convolution");
    });

    [Theory]
    [MemberData(nameof(WeightGradientCases))]
    public void ConvolutionWeightAndBiasGradients_DoNotDependOnThreadCount(ConvCase c)
    {
        var rng = new Random(StableSeed(c));
        var g = c.Geometry();
        float[] x = ToFloat(RandomArray(rng, g.InputLength)), gy = ToFloat(RandomArray(rng, g.OutputLength));
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gw = new float[g.WeightLength];
            ConvolutionBackwardWeight.Run<float>(g, x, gy, gw);
            return gw;
        }), $"float32 grad_weight of {c}");
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gb = new float[g.OutChannels];
            ConvolutionBias.Backward<float>(g, gy, gb);
            return gb;
        }), $"float32 grad_bias of {c}");

        double[] xd = RandomArray(rng, g.InputLength), gyd = RandomArray(rng, g.OutputLength);
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gw = new double[g.WeightLength];
            ConvolutionBackwardWeight.Run<double>(g, xd, gyd, gw);
            return gw;
        }), $"float64 grad_weight of {c}");
    }

    [Theory]
    [MemberData(nameof(WeightGradientCases))]
    public void ConvolutionForwardAndInputGradient_DoNotDependOnThreadCount(ConvCase c)
    {
        var rng = new Random(StableSeed(c) + 1);
        var g = c.Geometry();
        float[] x = ToFloat(RandomArray(rng, g.InputLength)), w = ToFloat(RandomArray(rng, g.WeightLength));
        float[] b = ToFloat(RandomArray(rng, g.OutChannels)), gy = ToFloat(RandomArray(rng, g.OutputLength));
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var y = new float[g.OutputLength];
            ConvolutionForward.Run<float>(g, x, w, b, y);
            return y;
        }), $"float32 output of {c}");
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gx = new float[g.InputLength];
            ConvolutionBackwardInput.Run<float>(g, gy, w, gx);
            return gx;
        }), $"float32 grad_input of {c}");
    }

    public static TheoryData<TransposedCase> TransposedWeightGradientCases => new()
    {
        new(37, 6, 3, 1, [20], [4], [2], [1], [0], [1]),
        new(23, 8, 4, 2, [11, 9], [3, 3], [2, 2], [1, 1], [1, 0], [1, 1]),
        new(31, 16, 8, 1, [7, 7], [2, 2], [2, 2], [0, 0], [0, 0], [1, 1]),
        new(9, 4, 6, 2, [4, 5, 3], [3, 2, 3], [2, 1, 1], [1, 0, 1], [1, 0, 0], [1, 1, 1]),
    };

    [Theory]
    [MemberData(nameof(TransposedWeightGradientCases))]
    public void TransposedConvolutionGradients_DoNotDependOnThreadCount(TransposedCase c)
    {
        var rng = new Random(StableSeed(c));
        var g = c.Geometry();
        // The transposed convolution's input is g's output, its output g's input.
        float[] x = ToFloat(RandomArray(rng, g.OutputLength)), gy = ToFloat(RandomArray(rng, g.InputLength));
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gw = new float[g.WeightLength];
            ConvolutionTransposed.BackwardWeight<float>(g, x, gy, gw);
            return gw;
        }), $"float32 conv_transpose grad_weight of {c}");
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gb = new float[g.InChannels];
            ConvolutionTransposed.BackwardBias<float>(g, gy, gb);
            return gb;
        }), $"float32 conv_transpose grad_bias of {c}");

        float[] w = ToFloat(RandomArray(rng, g.WeightLength)), b = ToFloat(RandomArray(rng, g.InChannels));
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var y = new float[g.InputLength];
            ConvolutionTransposed.Forward<float>(g, x, w, b, y);
            return y;
        }), $"float32 conv_transpose output of {c}");
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gx = new float[g.OutputLength];
            ConvolutionTransposed.BackwardInput<float>(g, gy, w, gx);
            return gx;
        }), $"float32 conv_transpose grad_input of {c}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void WeightGradient_WithForcedChunkSize_DoesNotDependOnThreadCount(int samplesPerChunk)
    {
        var c = new ConvCase(29, 5, 7, 1, [11, 10], [3, 3], [1, 1], [1, 1], [1, 1]);
        var rng = new Random(StableSeed(c) + samplesPerChunk);
        var g = c.Geometry();
        float[] x = ToFloat(RandomArray(rng, g.InputLength)), gy = ToFloat(RandomArray(rng, g.OutputLength));
        AssertBitwiseEqual(WithEachThreadCount(() =>
        {
            var gw = new float[g.WeightLength];
            ConvolutionBackwardWeight.Run<float>(g, x, gy, gw, samplesPerChunk);
            return gw;
        }), $"float32 grad_weight with {samplesPerChunk} samples per chunk");
    }

    /// <summary>
    /// Reductions (and softmax-like row operations) on tensors large enough to be split over threads, over
    /// leading, middle, trailing and several dims, where the groups are rows or columns.
    /// </summary>
    public static TheoryData<string, int[], int[]> ReductionCases()
    {
        var data = new TheoryData<string, int[], int[]>();
        (int[] Shape, int[] Dims)[] layouts =
        [
            ([2, 300, 333], [1]),
            ([3, 257, 131], [1]),
            ([700, 301], [0]),
            ([301, 700], [1]),
            ([64, 20, 12, 12], [0, 2, 3]),
            ([5, 173, 97], [0]),
            ([2, 61, 1031], [2]),
            ([10000, 10], [0]),
            ([7, 3000, 5], [1]),
        ];
        foreach (string op in new[] { "sum", "mean", "var", "std", "amax", "argmax", "logsumexp", "softmax", "log_softmax" })
            foreach (var (shape, dims) in layouts)
            {
                if (op is "argmax" or "softmax" or "log_softmax" && dims.Length > 1) continue;
                data.Add(op, shape, dims);
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(ReductionCases))]
    public void Reductions_DoNotDependOnThreadCount(string op, int[] shape, int[] dims)
    {
        var x = Tensor.Randn(shape, new Generator(17));
        var results = WithEachThreadCount(() =>
        {
            Tensor y = op switch
            {
                "sum" => x.Sum(dims),
                "mean" => x.Mean(dims),
                "var" => x.Var(dims),
                "std" => x.Std(dims),
                "amax" => x.Amax(dims),
                "argmax" => x.ArgMax(dims[0]).To(DType.Float32),
                "logsumexp" => x.LogSumExp(dims),
                "softmax" => Softmax(x, dims[0]),
                "log_softmax" => LogSoftmax(x, dims[0]),
                _ => throw new ArgumentException($"unknown op {op}"),
            };
            return y.Contiguous().ToArray<float>();
        });
        AssertBitwiseEqual(results, $"{op} over dims [{string.Join(", ", dims)}] of [{string.Join(", ", shape)}]");
    }

    [Fact]
    public void BatchNormTrainingForwardAndBackward_DoNotDependOnThreadCount()
    {
        var x = Tensor.Randn([64, 20, 12, 12], new Generator(3));
        var results = WithEachThreadCount(() =>
        {
            var input = x.Detach().RequiresGrad_();
            var weight = Tensor.Randn([20], new Generator(4)).RequiresGrad_();
            var bias = Tensor.Randn([20], new Generator(5)).RequiresGrad_();
            var y = BatchNorm(input, null, null, weight, bias, training: true);
            (y * y).Sum().Backward();
            return (float[])[.. y.Contiguous().ToArray<float>(), .. input.Grad!.ToArray<float>(),
                .. weight.Grad!.ToArray<float>(), .. bias.Grad!.ToArray<float>()];
        });
        AssertBitwiseEqual(results, "batch_norm output and gradients");
    }

    /// <summary>
    /// Other operations whose kernels split work over threads or accumulate (matmul and batched matmul
    /// above the GEMM's threading threshold, pooling, upsampling, embedding, scatter_add, index_add):
    /// each output and gradient of a scalar function of them, with 1, 2 and 3 threads.
    /// </summary>
    public static TheoryData<string> OperationCases => new()
    {
        "linear", "bmm_few", "bmm_many", "max_pool", "avg_pool", "adaptive_avg_pool", "bilinear", "embedding",
        "scatter_add", "index_add",
    };

    [Theory]
    [MemberData(nameof(OperationCases))]
    public void OperationAndItsGradient_DoNotDependOnThreadCount(string op)
    {
        var results = WithEachThreadCount(() =>
        {
            var gen = new Generator(11);
            Tensor x, y;
            Tensor? w = null;
            switch (op)
            {
                case "linear":
                    x = Tensor.Randn([97, 800], gen).RequiresGrad_();
                    w = Tensor.Randn([500, 800], gen).RequiresGrad_();
                    y = Linear(x, w, Tensor.Randn([500], gen));
                    break;
                case "bmm_few":
                    x = Tensor.Randn([2, 130, 170], gen).RequiresGrad_();
                    w = Tensor.Randn([2, 170, 150], gen).RequiresGrad_();
                    y = x.MatMul(w);
                    break;
                case "bmm_many":
                    x = Tensor.Randn([9, 70, 90], gen).RequiresGrad_();
                    w = Tensor.Randn([90, 65], gen).RequiresGrad_();
                    y = x.MatMul(w);
                    break;
                case "max_pool":
                    x = Tensor.Randn([33, 20, 24, 24], gen).RequiresGrad_();
                    y = MaxPool2d(x, 3, stride: 2, padding: 1);
                    break;
                case "avg_pool":
                    x = Tensor.Randn([33, 20, 24, 24], gen).RequiresGrad_();
                    y = AvgPool2d(x, 3, stride: 2, padding: 1);
                    break;
                case "adaptive_avg_pool":
                    x = Tensor.Randn([33, 20, 23, 23], gen).RequiresGrad_();
                    y = AdaptiveAvgPool2d(x, 5);
                    break;
                case "bilinear":
                    x = Tensor.Randn([17, 12, 15, 15], gen).RequiresGrad_();
                    y = Interpolate(x, size: [37, 29], mode: "bilinear");
                    break;
                case "embedding":
                    x = Tensor.RandInt(0, 50, [4000], gen);
                    w = Tensor.Randn([50, 64], gen).RequiresGrad_();
                    y = Embedding(x, w);
                    break;
                case "scatter_add":
                    x = Tensor.Randn([3000, 40], gen).RequiresGrad_();
                    y = Tensor.Zeros(60, 40).ScatterAdd(0, Tensor.RandInt(0, 60, [3000, 40], gen), x);
                    break;
                case "index_add":
                    x = Tensor.Randn([3000, 40], gen).RequiresGrad_();
                    y = Tensor.Zeros(60, 40).IndexAdd(0, Tensor.RandInt(0, 60, [3000], gen), x);
                    break;
                default:
                    throw new ArgumentException($"unknown op {op}");
            }
            // A weighted sum, so that every output element's gradient differs.
            var weights = Tensor.Randn(y.Shape.ToArray(), new Generator(12));
            (y * weights).Sum().Backward();
            var all = new List<float>(y.Contiguous().ToArray<float>());
            if (x.Grad is { } gx) all.AddRange(gx.ToArray<float>());
            if (w?.Grad is { } gw) all.AddRange(gw.ToArray<float>());
            return all.ToArray();
        });
        Assert.True(results[0].Length > 0);
        AssertBitwiseEqual(results, $"{op}: output and gradients");
    }

    /// <summary>The benchmark LeNet (the model of samples/FashionMnist).</summary>
    private sealed class LeNet : Module
    {
        public Conv2d Conv1 = new(1, 20, 5);
        public Conv2d Conv2 = new(20, 50, 5);
        public Linear Fc1 = new(4 * 4 * 50, 500);
        public Linear Fc2 = new(500, 10);

        public override Tensor Forward(Tensor x)
        {
            x = MaxPool2d(Relu(Conv1.Forward(x)), 2);
            x = MaxPool2d(Relu(Conv2.Forward(x)), 2);
            x = x.Reshape(-1, 4 * 4 * 50);
            x = Relu(Fc1.Forward(x));
            return LogSoftmax(Fc2.Forward(x), dim: 1);
        }
    }

    [Fact]
    public void LeNetTrainedWithAdam_IsBitwiseTheSameWithOneTwoOrThreeThreads()
    {
        const int steps = 20, batch = 50;
        var raw = FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions { UseEmbeddedSample = true });
        var pixels = new float[steps * batch * 28 * 28];
        var labels = new long[steps * batch];
        // Every 7th image, so that the batches mix the classes (the sample is stored class by class).
        for (int i = 0; i < labels.Length; i++)
        {
            int source = i * 7 % raw.Count;
            labels[i] = raw.Labels[source];
            for (int p = 0; p < 28 * 28; p++) pixels[i * 28 * 28 + p] = raw.Images[source * 28 * 28 + p] / 255f;
        }
        var images = Tensor.From(pixels, steps * batch, 1, 28, 28);
        var targets = Tensor.From(labels, steps * batch);

        var results = WithEachThreadCount(() =>
        {
            Generator.ManualSeed(42);
            var model = new LeNet();
            var optimizer = new Adam(model.Parameters(), lr: 1e-3);
            var losses = new float[steps];
            for (int s = 0; s < steps; s++)
            {
                optimizer.ZeroGrad(setToNone: true);
                var loss = NllLoss(model.Forward(images.Narrow(0, s * batch, batch)), targets.Narrow(0, s * batch, batch));
                loss.Backward();
                optimizer.Step();
                losses[s] = loss.Item<float>();
            }
            var all = new List<float>(losses);
            foreach (var (_, p) in model.NamedParameters()) all.AddRange(p.Contiguous().ToArray<float>());
            return all.ToArray();
        });

        // The model learned something (so the comparison is of a trained model, not of an idle one) ...
        Assert.True(results[0][steps - 1] < results[0][0], $"loss went from {results[0][0]} to {results[0][steps - 1]}");
        // ... and the losses and every weight agree to the bit.
        AssertBitwiseEqual(results, "LeNet losses and weights after 20 Adam steps");
    }
}
