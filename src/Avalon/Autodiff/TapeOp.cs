using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>One entry of a <see cref="Tape"/>. Each op defines one value, numbered by <see cref="Id"/> (SSA form).</summary>
/// <param name="Id">The value this op defines.</param>
/// <param name="Spec">Shape, dtype and device of the value.</param>
public abstract record TapeOp(int Id, TensorSpec Spec);

/// <summary>A value supplied by the caller each time the tape runs.</summary>
/// <param name="Id">The value this op defines.</param>
/// <param name="Spec">Shape, dtype and device of the input.</param>
/// <param name="Name">A readable name (a parameter path such as <c>conv1.weight</c>, or <c>x0</c>).</param>
public sealed record InputOp(int Id, TensorSpec Spec, string Name) : TapeOp(Id, Spec)
{
    /// <inheritdoc />
    public override string ToString() => $"%{Id} = input {Name} : {Spec}";
}

/// <summary>A value fixed when the tape was recorded (a captured tensor that does not depend on the inputs).</summary>
/// <param name="Id">The value this op defines.</param>
/// <param name="Spec">Shape, dtype and device.</param>
/// <param name="Value">The constant tensor.</param>
public sealed record ConstantOp(int Id, TensorSpec Spec, Tensor Value) : TapeOp(Id, Spec)
{
    /// <inheritdoc />
    public override string ToString() =>
        Value.Numel == 1 ? $"%{Id} = const {Value.ToDoubleArray()[0].ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} : {Spec}"
                         : $"%{Id} = const : {Spec}";
}

/// <summary>A call of a primitive on earlier values.</summary>
/// <param name="Id">The value this op defines.</param>
/// <param name="Spec">Shape, dtype and device of the result.</param>
/// <param name="Primitive">The primitive called.</param>
/// <param name="Attributes">Its static parameters.</param>
/// <param name="Args">The ids of its arguments.</param>
public sealed record CallOp(int Id, TensorSpec Spec, Primitive Primitive, Attributes Attributes, int[] Args) : TapeOp(Id, Spec)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var args = string.Join(", ", Args.Select(a => "%" + a));
        var attrs = Attributes.Items.Count == 0 ? "" : "; " + Attributes;
        return $"%{Id} = {Primitive.Name}({args}{attrs}) : {Spec}";
    }
}
