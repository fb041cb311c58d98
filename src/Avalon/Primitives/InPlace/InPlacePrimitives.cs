using Avalon.Primitives.Elementwise;
using Avalon.Primitives.Indexing;
using Avalon.Primitives.Views;

namespace Avalon.Primitives.InPlace;

/// <summary>
/// The in-place primitives (PyTorch's trailing-underscore methods), each the in-place form of a
/// functional primitive: recorded on tapes and the eager graph like any call, with the target's version
/// counter bumped.
/// </summary>
[PrimitiveSet]
internal static class InPlacePrimitives
{
    /// <summary>add_(x, y): x += y.</summary>
    public static readonly Primitive Add = new InPlacePrimitive("add_", ArithmeticPrimitives.Add, ["self", "other"], 0, 1);

    /// <summary>sub_(x, y): x -= y.</summary>
    public static readonly Primitive Sub = new InPlacePrimitive("sub_", ArithmeticPrimitives.Sub, ["self", "other"], 0, 1);

    /// <summary>mul_(x, y): x *= y.</summary>
    public static readonly Primitive Mul = new InPlacePrimitive("mul_", ArithmeticPrimitives.Mul, ["self", "other"], 0, 1);

    /// <summary>div_(x, y): x /= y.</summary>
    public static readonly Primitive Div = new InPlacePrimitive("div_", ArithmeticPrimitives.Div, ["self", "other"], 0, 1);

    /// <summary>clamp_(x; min, max): x = clamp(x, min, max).</summary>
    public static readonly Primitive Clamp = new InPlacePrimitive("clamp_", SelectionPrimitives.Clamp, ["self"], 0);

    /// <summary>copy_(x, src; shape): x = src broadcast to x's shape (the target's old value gets no gradient).</summary>
    public static readonly Primitive Copy = new InPlacePrimitive("copy_", ViewPrimitives.Expand, ["self", "src"], 1);

    /// <summary>masked_fill_(x, mask, value): x = where(mask, value, x).</summary>
    public static readonly Primitive MaskedFill = new InPlacePrimitive("masked_fill_", SelectionPrimitives.Where, ["self", "mask", "value"], 1, 2, 0);

    /// <summary>index_add_(x, index, source; dim, alpha): x.index_add(dim, index, source), written into x.</summary>
    public static readonly Primitive IndexAdd = new InPlacePrimitive("index_add_", IndexSelectPrimitives.IndexAdd, ["self", "index", "source"], 0, 1, 2);
}
