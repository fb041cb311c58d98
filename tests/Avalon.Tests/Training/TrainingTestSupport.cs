using Avalon.Data;
using Avalon.Nn;
using Avalon.Training;
using Avalon.Training.Progress;

namespace Avalon.Tests.Training;

/// <summary>A small classifier, a synthetic separable dataset and a negative log-likelihood built from existing ops.</summary>
internal static class TrainingTestSupport
{
    /// <summary>Two linear layers with a tanh between them; outputs logits.</summary>
    public sealed class Mlp : Module
    {
        public Linear Fc1;
        public Linear Fc2;

        public Mlp(int inputs, int hidden, int classes, ulong seed)
        {
            var generator = new Generator(seed);
            Fc1 = new Linear(inputs, hidden, generator: generator);
            Fc2 = new Linear(hidden, classes, generator: generator);
        }

        public override Tensor Forward(Tensor input) => Fc2.Forward(Fc1.Forward(input).Tanh());
    }

    /// <summary>Mean negative log-likelihood of integer targets under the softmax of <paramref name="logits"/> (cross-entropy).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target) =>
        logits.LogSoftmax(1).Gather(1, target.Unsqueeze(1)).Mean().Neg();

    /// <summary>A loss module over <see cref="CrossEntropy"/>, shaped like the library's loss modules.</summary>
    public sealed class CrossEntropyModule : Module
    {
        public Tensor Forward(Tensor input, Tensor target) => CrossEntropy(input, target);
    }

    /// <summary>
    /// Points in 2-D from four clusters at (±2, ±2) with unit-ish spread; the class is the sign of x,
    /// so the two classes are separated by a wide margin (a few points near the boundary may overlap).
    /// </summary>
    public static TensorDataset Blobs(int count, ulong seed)
    {
        var (features, labels) = BlobArrays(count, seed);
        return new TensorDataset(Tensor.From(features, count, 2), Tensor.From(labels, count));
    }

    /// <summary>The features (<c>[count, 2]</c>, row-major) and labels of <see cref="Blobs"/>.</summary>
    public static (float[] Features, long[] Labels) BlobArrays(int count, ulong seed)
    {
        var generator = new Generator(seed);
        var features = new float[count * 2];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            double cx = label == 1 ? 2 : -2, cy = generator.NextDouble() < 0.5 ? 2 : -2;
            features[2 * i] = (float)(cx + 0.6 * generator.NextNormal());
            features[2 * i + 1] = (float)(cy + 0.6 * generator.NextNormal());
            labels[i] = label;
        }
        return (features, labels);
    }

    /// <summary>Options with a fixed shuffle seed, no progress output and no prefetch thread.</summary>
    public static FitOptions Quiet(ulong seed = 7) => new() { Seed = seed, Progress = ProgressMode.Silent, Prefetch = false };

    /// <summary>Every parameter's values as doubles, by name.</summary>
    public static Dictionary<string, double[]> Snapshot(Module model)
    {
        var values = new Dictionary<string, double[]>();
        foreach (var (name, p) in model.NamedParameters()) values[name] = p.ToDoubleArray();
        return values;
    }

    /// <summary>A clock that only moves when told to, for deterministic durations and throughput.</summary>
    public sealed class FakeClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan time) => _ticks += time.Ticks;
    }
}
