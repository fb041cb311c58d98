using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// One entry of a <see cref="Tape"/>. Each op defines one value numbered <see cref="Id"/> (SSA form),
/// except a call of a multi-output primitive, which defines the consecutive values
/// <see cref="Id"/> … <see cref="Id"/> + <see cref="OutputCount"/> − 1.
/// </summary>
/// <param name="Id">The (first) value this op defines.</param>
/// <param name="Spec">Shape, dtype and device of that value.</param>
public abstract record TapeOp(int Id, TensorSpec Spec)
{
    /// <summary>How many values this op defines.</summary>
    public virtual int OutputCount => 1;

    /// <summary>The spec of the <paramref name="k"/>-th value this op defines.</summary>
    public virtual TensorSpec OutputSpec(int k) =>
        k == 0 ? Spec : throw new ArgumentOutOfRangeException(nameof(k), k, $"%{Id} defines one value.");

    /// <summary>The ids of the values this op defines.</summary>
    public IEnumerable<int> Defines => Enumerable.Range(Id, OutputCount);
}

/// <summary>
/// A fresh random seed drawn from <see cref="Generator"/> each time the tape runs: how a random
/// primitive's draw becomes a tape value, so that a replay draws new numbers and the same generator
/// seed reproduces the same run.
/// </summary>
/// <param name="Id">The value this op defines.</param>
/// <param name="Spec">An int64 scalar.</param>
/// <param name="Generator">The generator the seed is drawn from.</param>
public sealed record SeedOp(int Id, TensorSpec Spec, Generator Generator) : TapeOp(Id, Spec)
{
    /// <inheritdoc />
    public override string ToString() => $"%{Id} = seed generator#{Generator.Identity} : {Spec}";
}

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
    private readonly TensorSpec[]? _outputSpecs;

    /// <summary>The specs of every value the call defines (ids <see cref="TapeOp.Id"/>, Id + 1, ...); set for multi-output primitives.</summary>
    public IReadOnlyList<TensorSpec> OutputSpecs
    {
        get => _outputSpecs ?? [Spec];
        init
        {
            if (value.Count == 0) throw OpErrors.Argument("CallOp", "a call defines at least one value.");
            if (value[0] != Spec) throw OpErrors.Argument("CallOp", $"the first output spec {value[0]} differs from Spec {Spec}.");
            _outputSpecs = value.Count == 1 ? null : [.. value];
        }
    }

    /// <inheritdoc />
    public override int OutputCount => _outputSpecs?.Length ?? 1;

    /// <inheritdoc />
    public override TensorSpec OutputSpec(int k) => k == 0 ? Spec
        : _outputSpecs is not null && k < _outputSpecs.Length ? _outputSpecs[k]
        : throw new ArgumentOutOfRangeException(nameof(k), k, $"%{Id} defines {OutputCount} values.");

    /// <inheritdoc />
    public override string ToString()
    {
        var args = string.Join(", ", Args.Select(a => "%" + a));
        var attrs = Attributes.Items.Count == 0 ? "" : "; " + Attributes;
        var ids = string.Join(", ", Defines.Select(d => "%" + d));
        var specs = string.Join(", ", Enumerable.Range(0, OutputCount).Select(k => OutputSpec(k).ToString()));
        return $"{ids} = {Primitive.Name}({args}{attrs}) : {specs}";
    }
}
