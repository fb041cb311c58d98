using System.Reflection;
using System.Runtime.InteropServices;
using Avalon.Primitives;

namespace Avalon.Tests.Primitives.Indexing;

/// <summary>
/// Every primitive of the indexing and views families computes, through <see cref="Primitive.Compute"/>,
/// into output buffers that are slices at a non-zero offset of a larger storage pre-filled with
/// garbage, exactly (bitwise) what <see cref="Primitive.InvokeMany"/> returns, and writes nothing
/// outside its slices.
/// </summary>
public class ComputeIntoBuffersTests
{
    private const int Before = 7, After = 5;

    private static Tensor R(DType dtype, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)shape.Sum() + 1), DType.Float64).To(dtype);

    private static Tensor Ix(params long[] values) => Tensor.From(values);

    private static Tensor Ix(long[] values, params int[] shape) => Tensor.From(values).Reshape(shape);

    private static Attributes A(params (string, object)[] items) => Attributes.Of(items);

    public static IEnumerable<(string Name, Attributes Attributes, Tensor[] Inputs)> Calls(DType t)
    {
        var x34 = R(t, 4, 3).T; // [3, 4], transposed
        yield return ("gather", A(("dim", 1)), [x34, Ix([2, 0, 3, 1, 1, 1], 2, 3)]);
        yield return ("scatter", A(("dim", 1)), [R(t, 2, 4), Ix([3, 0, 1, 2, 0, 3], 2, 3), R(t, 2, 3)]);
        yield return ("scatter_add", A(("dim", 0)), [x34, Ix([0, 2, 0, 0], 2, 2), R(t, 2, 4)]);
        yield return ("index_select", A(("dim", 1)), [x34, Ix(2, 0, 2)]);
        yield return ("index_add", A(("dim", 0)), [R(t, 4, 2), Ix(2, 0, 2), R(t, 3, 2)]);
        yield return ("cat", A(("dim", 1)), [x34, R(t, 3, 1), R(t, 2, 3).T]);
        yield return ("constant_pad_nd", A(("pads", new[] { 1, -1, 2, 1 }), ("value", 1.5)), [x34]);
        foreach (var name in new[] { "reflection_pad", "replication_pad", "circular_pad" })
        {
            yield return (name, A(("pads", new[] { 2, 1, 1, 2 })), [R(t, 2, 3, 3)]);
            yield return (name + "_backward", A(("pads", new[] { 2, 1, 1, 2 }), ("shape", new[] { 2, 3, 3 })), [R(t, 2, 6, 6)]);
        }
        yield return ("flip", A(("dims", new[] { 0, 1 })), [x34]);
        yield return ("roll", A(("shifts", new[] { 1, 3 })), [x34]);
        yield return ("tril", A(("diagonal", -1)), [R(t, 2, 3, 4)]);
        yield return ("triu", A(("diagonal", 1)), [x34]);
        yield return ("sort", A(("dim", 1), ("descending", true)), [x34]);
        yield return ("topk", A(("k", 2), ("dim", 0)), [x34]);
        yield return ("reshape", A(("shape", new[] { 2, 6 })), [R(t, 3, 4)]);
        yield return ("reshape", A(("shape", new[] { 12 })), [x34]); // needs a copy
        yield return ("permute", A(("dims", new[] { 1, 0 })), [x34]);
        yield return ("detach", Attributes.Empty, [x34]);
        yield return ("slice", A(("dim", 1), ("start", 1), ("end", 4), ("step", 2)), [x34]);
        yield return ("slice_backward", A(("shape", new[] { 3, 5 }), ("dim", 1), ("start", 1), ("end", 5), ("step", 2)), [R(t, 2, 3).T]);
        yield return ("expand", A(("shape", new[] { 2, 3, 4 })), [R(t, 3, 1)]);
        yield return ("contiguous", Attributes.Empty, [x34]);
        yield return ("diagonal", A(("offset", 1), ("dim1", 0), ("dim2", 1)), [x34]);
        yield return ("diagonal_backward", A(("shape", new[] { 3, 4 }), ("offset", -1), ("dim1", 0), ("dim2", 1)), [R(t, 2)]);
        yield return ("split", A(("sizes", new[] { 1, 0, 3 }), ("dim", 1)), [x34]);
        yield return ("unbind", A(("dim", 1)), [x34]);
        if (t == DType.Float64) yield return ("one_hot", A(("num_classes", 5)), [Ix(3, 0, 4, 3)]);
    }

    public static IEnumerable<object[]> DTypes() => new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64 }.Select(d => new object[] { d });

    [Theory]
    [MemberData(nameof(DTypes))]
    public void ComputeIntoOffsetSlicesOfGarbageEqualsInvokeBitwise(DType dtype)
    {
        foreach (var (name, attributes, inputs) in Calls(dtype))
        {
            var primitive = PrimitiveRegistry.Get(name);
            var expected = primitive.InvokeMany(attributes, inputs);
            var buffers = expected.Select(e => Garbage(e.DType, Before + e.Numel + After)).ToArray();
            var outputs = expected.Select((e, k) => Tensor.OverStorage(buffers[k].Storage, e.Shape.ToArray(), null, Before)).ToArray();
            primitive.Compute(inputs, primitive.ValidateAttributes(attributes), outputs);
            for (int k = 0; k < expected.Length; k++)
            {
                var what = $"{name} ({dtype.Name()}) output {k}";
                Assert.True(Bits(expected[k].Contiguous()).SequenceEqual(Bits(outputs[k])), $"{what}: differs from Invoke's");
                var whole = Bits(buffers[k]);
                var untouched = Bits(Garbage(expected[k].DType, Before + expected[k].Numel + After));
                int size = whole.Length / buffers[k].Numel;
                Assert.True(whole.AsSpan(0, Before * size).SequenceEqual(untouched.AsSpan(0, Before * size)), $"{what}: wrote before its slice");
                Assert.True(whole.AsSpan(whole.Length - After * size).SequenceEqual(untouched.AsSpan(whole.Length - After * size)), $"{what}: wrote after its slice");
            }
        }
    }

    [Fact]
    public void EveryPrimitiveOfTheFamiliesIsCovered()
    {
        var family = typeof(Primitive).Assembly.GetTypes()
            .Where(t => t.Namespace is "Avalon.Primitives.Indexing" or "Avalon.Primitives.Views" && t.GetCustomAttributes().Any(a => a.GetType().Name == "PrimitiveSetAttribute"))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => typeof(Primitive).IsAssignableFrom(f.FieldType))
            .Select(f => ((Primitive)f.GetValue(null)!).Name)
            .ToHashSet();
        Assert.True(family.Count >= 30, $"found only {family.Count} primitives");
        var covered = Calls(DType.Float64).Select(c => c.Name).ToHashSet();
        Assert.Empty(family.Except(covered));
    }

    [Fact]
    public void ViewsTakeNoKernel()
    {
        foreach (var name in new[] { "reshape", "permute", "slice", "expand", "diagonal", "split", "unbind", "detach" })
        {
            var p = PrimitiveRegistry.Get(name);
            Assert.IsAssignableFrom<ViewPrimitive>(p);
            Assert.True(p.Effects.IsView, name);
            Assert.Throws<InvalidOperationException>(() => p.RegisterKernel(DeviceType.Cpu, (_, _, _) => { }));
        }
    }

    // NaN (floats), a fixed odd pattern (integers), true (bool).
    private static Tensor Garbage(DType dtype, int length) => dtype switch
    {
        DType.Float32 => Tensor.Full([length], double.NaN, dtype),
        DType.Float64 => Tensor.Full([length], double.NaN, dtype),
        DType.Bool => Tensor.Full([length], 1, dtype),
        _ => Tensor.Full([length], -0x5A5A5A5, dtype),
    };

    private static byte[] Bits(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()).ToArray(),
        DType.Float64 => MemoryMarshal.AsBytes(t.ToArray<double>().AsSpan()).ToArray(),
        DType.Int32 => MemoryMarshal.AsBytes(t.ToArray<int>().AsSpan()).ToArray(),
        DType.Int64 => MemoryMarshal.AsBytes(t.ToArray<long>().AsSpan()).ToArray(),
        _ => t.ToArray<bool>().Select(b => b ? (byte)1 : (byte)0).ToArray(),
    };
}
