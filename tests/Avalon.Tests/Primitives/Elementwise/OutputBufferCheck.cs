using System.Reflection;
using Avalon.Backends;
using Avalon.Primitives;

namespace Avalon.Tests.Primitives.Elementwise;

/// <summary>One call of a primitive for <see cref="OutputBufferCheck"/>: the primitive, its attributes and inputs.</summary>
public sealed record OutputBufferCase(string Name, Primitive Primitive, Attributes Attributes, Tensor[] Inputs)
{
    /// <summary>
    /// Units in the last place a floating-point result may differ by (0: bit for bit). Only for kernels
    /// over TensorPrimitives functions whose result depends on the destination's address: they group
    /// elements into vectors from an aligned address, and some (float64 sin and cos) compute a whole
    /// vector with the scalar function when one lane needs it, so an element's last bit follows the
    /// buffer's alignment, in the eager path too.
    /// </summary>
    public int Ulps { get; init; }

    public override string ToString() => $"{Primitive.Name}: {Name}";
}

/// <summary>
/// Runs a primitive's kernel through <see cref="Primitive.Compute"/> into output buffers that are slices,
/// at a non-zero offset, of larger storages pre-filled with garbage (twice, with two different fills),
/// and checks that every output equals <see cref="Primitive.InvokeMany"/>'s bit for bit and that the
/// elements around the slice are untouched. Also builds inputs, some of them at an offset in their own
/// storage or strided, so kernels are exercised on the layouts a planned executor hands them.
/// </summary>
internal static class OutputBufferCheck
{
    private const int Offset = 7;
    private const int Tail = 5;

    /// <summary>Runs the check for one case.</summary>
    public static void Run(OutputBufferCase c)
    {
        var expected = c.Primitive.InvokeMany(c.Attributes, c.Inputs);
        var attributes = c.Primitive.ValidateAttributes(c.Attributes);
        for (int fill = 0; fill < 2; fill++)
        {
            var storages = new Storage[expected.Length];
            var outputs = new Tensor[expected.Length];
            for (int k = 0; k < expected.Length; k++)
            {
                var e = expected[k];
                storages[k] = Backend.For(Device.Cpu).FromHost(Garbage(e.DType, Offset + e.Numel + Tail, fill), e.DType);
                outputs[k] = Tensor.OverStorage(storages[k], e.Shape.ToArray(), null, Offset);
            }
            c.Primitive.Compute(c.Inputs, attributes, outputs);
            for (int k = 0; k < expected.Length; k++)
            {
                var e = expected[k];
                Assert.Equal(e.Shape, outputs[k].Shape);
                Assert.Equal(e.DType, outputs[k].DType);
                var want = Bits(e);
                var got = Bits(outputs[k]);
                for (int i = 0; i < want.Length; i++)
                    Assert.True(want[i] == got[i] || c.Ulps > 0 && e.DType.IsFloatingPoint() && Math.Abs(want[i] - got[i]) <= c.Ulps,
                        $"{c}: output {k} element {i} (fill {fill}) is bits {got[i]:X} through Compute but {want[i]:X} through Invoke.");
                var whole = Bits(Tensor.OverStorage(storages[k], [storages[k].Length]));
                var garbage = Bits(Tensor.From(Garbage(e.DType, whole.Length, fill)));
                for (int i = 0; i < whole.Length; i++)
                    if (i < Offset || i >= Offset + e.Numel)
                        Assert.True(whole[i] == garbage[i], $"{c}: output {k}'s kernel wrote element {i} of the storage, outside its buffer [{Offset}, {Offset + e.Numel}).");
            }
        }
    }

    /// <summary>The built-in primitives declared by the [PrimitiveSet] classes of <paramref name="ns"/>.</summary>
    public static IReadOnlyList<Primitive> PrimitivesOf(string ns) =>
        typeof(Primitive).Assembly.GetTypes()
            .Where(t => t.Namespace == ns && t.GetCustomAttribute<PrimitiveSetAttribute>() is not null)
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => typeof(Primitive).IsAssignableFrom(f.FieldType))
            .Select(f => (Primitive)f.GetValue(null)!)
            .Distinct()
            .ToList();

    /// <summary>Asserts that every primitive of <paramref name="ns"/> has a case.</summary>
    public static void AssertCovers(string ns, IEnumerable<OutputBufferCase> cases)
    {
        var covered = cases.Select(c => c.Primitive).ToHashSet();
        var missing = PrimitivesOf(ns).Where(p => !covered.Contains(p)).Select(p => p.Name).ToList();
        Assert.True(PrimitivesOf(ns).Count > 0, $"No primitives found in {ns}.");
        Assert.True(missing.Count == 0, $"Primitives of {ns} without an output-buffer case: {string.Join(", ", missing)}");
    }

    /// <summary>Uniform values in [lo, hi) of a floating-point dtype.</summary>
    public static Tensor Uniform(int seed, DType dtype, int[] shape, double lo = -2, double hi = 2)
    {
        var rng = new Random(seed);
        var data = new double[Numel(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = lo + (hi - lo) * rng.NextDouble();
        var t = Tensor.From(data, shape);
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    /// <summary>Small integers in [lo, hi] (many ties) of any numeric dtype, or bools when <paramref name="dtype"/> is bool.</summary>
    public static Tensor Ints(int seed, DType dtype, int[] shape, int lo = -4, int hi = 4)
    {
        var rng = new Random(seed);
        var data = new long[Numel(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = rng.Next(lo, hi + 1);
        var t = Tensor.From(data, shape);
        return dtype == DType.Int64 ? t : t.To(dtype);
    }

    /// <summary>Random bools.</summary>
    public static Tensor Bools(int seed, int[] shape) => Ints(seed, DType.Int64, shape, 0, 1).To(DType.Bool);

    /// <summary>A copy of <paramref name="t"/> that starts at element <paramref name="offset"/> of a larger storage.</summary>
    public static Tensor AtOffset(Tensor t, int offset = 3)
    {
        var storage = Backend.For(Device.Cpu).FromHost(Garbage(t.DType, offset + t.Numel + 2, 0), t.DType);
        var view = Tensor.OverStorage(storage, t.Shape.ToArray(), null, offset);
        storage.Backend.Copy(t, view);
        return view;
    }

    private static int Numel(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    // fill 0: NaN / large negative integers / true; fill 1: a huge finite float / another integer / false.
    private static Array Garbage(DType dtype, int length, int fill)
    {
        switch (dtype)
        {
            case DType.Float32: { var a = new float[length]; Array.Fill(a, fill == 0 ? float.NaN : -3.25e30f); return a; }
            case DType.Float64: { var a = new double[length]; Array.Fill(a, fill == 0 ? double.NaN : -7.5e300); return a; }
            case DType.Int32: { var a = new int[length]; Array.Fill(a, fill == 0 ? -123456789 : 0x7EADBEEF); return a; }
            case DType.Int64: { var a = new long[length]; Array.Fill(a, fill == 0 ? -1234567890123L : 0x5A5A5A5A5A5AL); return a; }
            case DType.Bool: { var a = new bool[length]; Array.Fill(a, fill == 0); return a; }
            default: throw new NotSupportedException(dtype.ToString());
        }
    }

    private static long[] Bits(Tensor t) => t.DType switch
    {
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), v => (long)BitConverter.SingleToInt32Bits(v)),
        DType.Float64 => Array.ConvertAll(t.ToArray<double>(), BitConverter.DoubleToInt64Bits),
        DType.Int32 => Array.ConvertAll(t.ToArray<int>(), v => (long)v),
        DType.Int64 => t.ToArray<long>(),
        DType.Bool => Array.ConvertAll(t.ToArray<bool>(), v => v ? 1L : 0L),
        _ => throw new NotSupportedException(t.DType.ToString()),
    };
}
