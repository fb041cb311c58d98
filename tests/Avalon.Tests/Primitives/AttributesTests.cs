using Avalon.Primitives;
using CsCheck;

namespace Avalon.Tests.Primitives;

/// <summary>Attributes: value equality and hashing (order-independent, arrays by content), normalisation, schemas.</summary>
public class AttributesTests
{
    private static readonly Gen<(string, object)> Item =
        Gen.Select(Gen.Int[0, 5], Gen.Int[-3, 3], Gen.Int[0, 3], (name, v, len) =>
            ("a" + name, (v % 4) switch
            {
                0 => (object)v,
                1 => (long)v,
                2 => Enumerable.Range(v, len).ToArray(),
                _ => (object)(v * 0.5),
            }));

    private static Gen<(string, object)[]> Items => Item.Array[0, 5].Select(a => a.DistinctBy(i => i.Item1).ToArray());

    [Fact]
    public void EqualityAndHashIgnoreOrderAndIntLongDifferences()
    {
        Items.Sample(items =>
        {
            var a = Attributes.Of(items);
            var shuffled = items.Reverse().Select(i => (i.Item1, i.Item2 switch
            {
                int x => (object)(long)x,
                int[] arr => arr.Select(e => (long)e).ToArray(),
                var o => o,
            })).ToArray();
            var b = Attributes.Of(shuffled);
            return a.Equals(b) && a.GetHashCode() == b.GetHashCode();
        });
    }

    [Fact]
    public void DifferentValuesAreNotEqual()
    {
        Items.Sample(items =>
        {
            if (items.Length == 0) return true;
            var a = Attributes.Of(items);
            var changed = items.Select((i, k) => k == 0 ? (i.Item1, (object)"changed") : i).ToArray();
            return !a.Equals(Attributes.Of(changed));
        });
    }

    [Fact]
    public void ArraysAreCopiedAndCompareByContent()
    {
        var dims = new[] { 1, 2 };
        var a = Attributes.Of(("dims", dims));
        dims[0] = 99;
        Assert.Equal(new[] { 1, 2 }, a.Ints("dims"));
        a.Ints("dims")[0] = 42;
        Assert.Equal(new[] { 1, 2 }, a.Ints("dims"));
        Assert.Equal(Attributes.Of(("dims", new long[] { 1, 2 })), a);
        Assert.Equal(3L, Attributes.Of(("k", 3)).Get<long>("k"));
        Assert.Equal(3, Attributes.Of(("k", 3L)).Get<int>("k"));
        Assert.Throws<ArgumentException>(() => Attributes.Of(("x", 1), ("x", 2)));
    }

    [Fact]
    public void SchemaValidatesNamesTypesAndFillsDefaults()
    {
        var schema = AttributeSchema.Of(
            AttributeSpec.Required("dims", AttributeType.Ints),
            AttributeSpec.WithDefault("keepdim", AttributeType.Bool, false),
            AttributeSpec.OptionalOf("scale", AttributeType.Double));
        var filled = schema.Validate("sum", Attributes.Of(("dims", new[] { 0 })));
        Assert.Equal(Attributes.Of(("dims", new[] { 0 }), ("keepdim", false)), filled);
        Assert.Equal(2.0, schema.Validate("sum", Attributes.Of(("dims", new[] { 0 }), ("scale", 2))).Double("scale"));
        Assert.Contains("unknown attribute 'dim'", Assert.Throws<ArgumentException>(() => schema.Validate("sum", Attributes.Of(("dim", 0)))).Message);
        Assert.Contains("required attribute 'dims'", Assert.Throws<ArgumentException>(() => schema.Validate("sum", Attributes.Empty)).Message);
        Assert.Contains("must be a bool", Assert.Throws<ArgumentException>(() => schema.Validate("sum", Attributes.Of(("dims", new[] { 0 }), ("keepdim", 1)))).Message);
    }

    [Fact]
    public void RegisteringAPrimitiveNameTwiceIsAnErrorUnlessReplacing()
    {
        Kernel k = (x, _, o) => Avalon.Backends.Backend.For(o[0].Device).Copy(x[0], o[0]);
        PrimitiveRegistry.Register("test_dup_name", (s, _) => s[0], k);
        var ex = Assert.Throws<InvalidOperationException>(() => PrimitiveRegistry.Register("test_dup_name", (s, _) => s[0], k));
        Assert.Contains("already registered", ex.Message);
        var replaced = PrimitiveRegistry.Register("test_dup_name", (s, _) => s[0], k, replace: true);
        Assert.Same(replaced, PrimitiveRegistry.Get("test_dup_name"));
    }
}
