using Avalon.Primitives;
using Avalon.Primitives.Random;

namespace Avalon.Backends.Cpu.Random;

/// <summary>
/// The CPU kernels of the random primitives. Each element is computed from (seed, index) alone
/// (<see cref="CounterRandom"/>), so the work is split into chunks that run in parallel and the
/// result is the same for any thread count.
/// </summary>
internal static class RandomKernels
{
    private const int Chunk = 1 << 14;

    /// <summary>Registers the kernels with <see cref="RandomPrimitives"/>.</summary>
    public static void Register()
    {
        RandomPrimitives.Rand.RegisterKernel(DeviceType.Cpu, Rand);
        RandomPrimitives.Randn.RegisterKernel(DeviceType.Cpu, Randn);
        RandomPrimitives.RandInt.RegisterKernel(DeviceType.Cpu, RandInt);
        RandomPrimitives.Bernoulli.RegisterKernel(DeviceType.Cpu, Bernoulli);
        RandomPrimitives.Dropout.RegisterKernel(DeviceType.Cpu, Dropout);
    }

    private static ulong KeyOf(Tensor seed) => CounterRandom.Key(seed.CpuSpan<long>()[seed.Offset]);

    private static void Rand(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        ulong key = KeyOf(inputs[0]);
        var output = outputs[0];
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (output.DType == DType.Float32)
        {
            var data = (float[])((CpuStorage)output.Storage).Data;
            int offset = output.Offset;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++) data[offset + i] = CounterRandom.UniformSingle(CounterRandom.Bits(key, i));
            });
        }
        else
        {
            var data = (double[])((CpuStorage)output.Storage).Data;
            int offset = output.Offset;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++) data[offset + i] = CounterRandom.UniformDouble(CounterRandom.Bits(key, i));
            });
        }
    }

    private static void Randn(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        ulong key = KeyOf(inputs[0]);
        var output = outputs[0];
        int offset = output.Offset;
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (output.DType == DType.Float32)
        {
            var data = (float[])((CpuStorage)output.Storage).Data;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++) data[offset + i] = (float)CounterRandom.Normal(key, i);
            });
        }
        else
        {
            var data = (double[])((CpuStorage)output.Storage).Data;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++) data[offset + i] = CounterRandom.Normal(key, i);
            });
        }
    }

    private static void RandInt(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        ulong key = KeyOf(inputs[0]);
        long low = attributes.Long("low"), high = attributes.Long("high");
        var output = outputs[0];
        int offset = output.Offset;
        Array data = ((CpuStorage)output.Storage).Data;
        Chunks(output.Numel, (start, end) =>
        {
            switch (data)
            {
                case long[] a:
                    for (int i = start; i < end; i++) a[offset + i] = CounterRandom.Integer(CounterRandom.Bits(key, i), low, high);
                    break;
                case int[] a:
                    for (int i = start; i < end; i++) a[offset + i] = (int)CounterRandom.Integer(CounterRandom.Bits(key, i), low, high);
                    break;
                case float[] a:
                    for (int i = start; i < end; i++) a[offset + i] = CounterRandom.Integer(CounterRandom.Bits(key, i), low, high);
                    break;
                case double[] a:
                    for (int i = start; i < end; i++) a[offset + i] = CounterRandom.Integer(CounterRandom.Bits(key, i), low, high);
                    break;
                default:
                    throw DTypeDispatch.Unsupported("randint", output.DType, DTypeDispatch.NumericTypes);
            }
        });
    }

    private static void Bernoulli(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        ulong key = KeyOf(inputs[1]);
        var p = inputs[0].ContiguousNoGrad();
        var output = outputs[0];
        int offset = output.Offset, pOffset = p.Offset;
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (output.DType == DType.Float32)
        {
            var data = (float[])((CpuStorage)output.Storage).Data;
            var probs = (float[])((CpuStorage)p.Storage).Data;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++)
                    data[offset + i] = CounterRandom.UniformDouble(CounterRandom.Bits(key, i)) < probs[pOffset + i] ? 1f : 0f;
            });
        }
        else
        {
            var data = (double[])((CpuStorage)output.Storage).Data;
            var probs = (double[])((CpuStorage)p.Storage).Data;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++)
                    data[offset + i] = CounterRandom.UniformDouble(CounterRandom.Bits(key, i)) < probs[pOffset + i] ? 1.0 : 0.0;
            });
        }
    }

    private static void Dropout(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        ulong key = KeyOf(inputs[1]);
        double p = attributes.Double("p");
        double scale = 1 / (1 - p);
        var x = inputs[0].ContiguousNoGrad();
        var output = outputs[0];
        int offset = output.Offset, xOffset = x.Offset;
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (output.DType == DType.Float32)
        {
            var data = (float[])((CpuStorage)output.Storage).Data;
            var values = (float[])((CpuStorage)x.Storage).Data;
            float keep = (float)scale;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++)
                    data[offset + i] = values[xOffset + i] * (CounterRandom.UniformDouble(CounterRandom.Bits(key, i)) < p ? 0f : keep);
            });
        }
        else
        {
            var data = (double[])((CpuStorage)output.Storage).Data;
            var values = (double[])((CpuStorage)x.Storage).Data;
            Chunks(output.Numel, (start, end) =>
            {
                for (int i = start; i < end; i++)
                    data[offset + i] = values[xOffset + i] * (CounterRandom.UniformDouble(CounterRandom.Bits(key, i)) < p ? 0.0 : scale);
            });
        }
    }

    /// <summary>Runs <paramref name="body"/> over [0, n) in chunks, in parallel when there are several.</summary>
    private static void Chunks(int n, Action<int, int> body)
    {
        int chunks = (n + Chunk - 1) / Chunk;
        if (chunks <= 1)
        {
            if (n > 0) body(0, n);
            return;
        }
        CpuParallel.For(chunks, c => body(c * Chunk, Math.Min(n, (c + 1) * Chunk)));
    }
}
