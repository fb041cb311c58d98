using Avalon.Primitives;
using Avalon.Primitives.Elementwise;
using Avalon.Primitives.Reduction;

namespace Avalon.Tests.Primitives;

/// <summary>
/// A primitive call on the plain path (no tape, no gradient) allocates its output (tensor, storage) and
/// the returned array, and nothing per call beyond a small constant: no spec arrays, no LINQ, no
/// closures, no re-validation of attributes, no allocation in the strided row walk.
/// </summary>
public class InvokeAllocationTests
{
    // The returned Tensor[1] (24-byte header + one reference) and slack for the runtime's rounding.
    private const long SmallConstant = 64;

    // What making the output alone costs: its shape array (which the shape rule makes), its tensor
    // object and strides, its storage and buffer.
    private static long OutputCost(TensorSpec spec)
    {
        Span<int> dims = stackalloc int[spec.Shape.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = spec.Shape[i];
        Tensor.Uninitialized(spec with { Shape = new Shape(dims) }); // warm
        long before = GC.GetAllocatedBytesForCurrentThread();
        Tensor.Uninitialized(spec with { Shape = new Shape(dims) });
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long Measure(Primitive p, Attributes attributes, Tensor[] inputs)
    {
        for (int i = 0; i < 3; i++) p.Invoke(attributes, inputs); // warm: JIT, kernel registration, pooled arrays
        long min = long.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            p.Invoke(attributes, inputs);
            min = Math.Min(min, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return min;
    }

    [Theory]
    [InlineData(new[] { 64 }, new[] { 64 })]          // dense: one row
    [InlineData(new[] { 4, 8 }, new[] { 1, 8 })]      // broadcast: the strided row walk
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })]   // broadcast with a new leading dim
    public void ElementwiseAddAllocatesOnlyItsOutput(int[] a, int[] b)
    {
        var x = Tensor.Randn(a);
        var y = Tensor.Randn(b);
        Tensor[] inputs = [x, y];
        var spec = ArithmeticPrimitives.Add.Invoke(Attributes.Empty, inputs).Spec;
        long output = OutputCost(spec);
        long call = Measure(ArithmeticPrimitives.Add, Attributes.Empty, inputs);
        Assert.True(call <= output + SmallConstant,
            $"add{string.Join("", a.Select(d => $"[{d}]"))}: a call allocated {call} bytes; the output alone costs {output} (allowed {output + SmallConstant}).");
    }

    [Fact]
    public void UnaryCallAllocatesOnlyItsOutput()
    {
        Tensor[] inputs = [Tensor.Randn(16, 16)];
        long output = OutputCost(inputs[0].Spec);
        long call = Measure(ArithmeticPrimitives.Exp, Attributes.Empty, inputs);
        Assert.True(call <= output + SmallConstant, $"exp: a call allocated {call} bytes; the output alone costs {output}.");
    }

    [Fact]
    public void ValidatedAttributesWithDefaultsAreCachedOnTheSet()
    {
        // keepdim is filled in from its default: the validated set is cached on the given set, so a call
        // site that reuses its attributes neither validates nor builds a new set again.
        var attributes = Attributes.Of(("dims", new[] { 1 }));
        var first = SumPrimitives.Sum.ValidateAttributes(attributes);
        Assert.False(first.GetOr("keepdim", true));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var second = SumPrimitives.Sum.ValidateAttributes(attributes);
        var empty = ArithmeticPrimitives.Add.ValidateAttributes(Attributes.Empty);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Same(first, second);
        Assert.Same(Attributes.Empty, empty);
        Assert.Equal(0, allocated);
        // Another schema validates the same set afresh (and a bad set still fails).
        var e = Assert.Throws<ArgumentException>(() => ArithmeticPrimitives.Add.ValidateAttributes(attributes));
        Assert.Contains("add: unknown attribute 'dims'", e.Message);
    }

    [Fact]
    public void EmptyAttributesGetTheirDefaultsOncePerSchema()
    {
        var schema = AttributeSchema.Of(AttributeSpec.WithDefault("keepdim", AttributeType.Bool, true));
        var a = schema.Validate("op", Attributes.Empty);
        var b = schema.Validate("op", Attributes.Empty);
        Assert.Same(a, b);
        Assert.True(a.Bool("keepdim"));
        Assert.Equal(0, Attributes.Empty.Count);
    }

    [Fact]
    public void MeasuringSeesAnAllocatingCall()
    {
        // The measurement is not blind: a call that allocates a spec array more than the bound shows it.
        Tensor[] inputs = [Tensor.Randn(64), Tensor.Randn(64)];
        var spec = inputs[0].Spec;
        long output = OutputCost(spec);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ArithmeticPrimitives.Add.Invoke(Attributes.Empty, inputs);
        var extra = new TensorSpec[8];
        long call = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(extra);
        Assert.True(call > output + SmallConstant, $"expected the extra array to push {call} over {output + SmallConstant}");
    }
}
