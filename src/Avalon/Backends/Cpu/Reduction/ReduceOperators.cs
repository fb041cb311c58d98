using System.Numerics;
using System.Numerics.Tensors;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>Sum: 0 for an empty group.</summary>
internal readonly struct SumReduce<T> : IReduceOperator<T> where T : unmanaged, INumber<T>
{
    public static T Identity => T.Zero;
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Sum(row);
    public static void Fold(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Add(acc, row, acc);
}

/// <summary>Product: 1 for an empty group.</summary>
internal readonly struct ProdReduce<T> : IReduceOperator<T> where T : unmanaged, INumber<T>
{
    public static T Identity => T.One;
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Product(row);
    public static void Fold(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Multiply(acc, row, acc);
}

/// <summary>Maximum; NaN wins (IEEE 754:2019 maximum), like PyTorch. No identity: empty groups are rejected earlier.</summary>
internal readonly struct MaxReduce<T> : IReduceOperator<T> where T : unmanaged, INumber<T>
{
    public static T Identity => throw new InvalidOperationException("max has no identity; empty reductions are rejected by the shape rule.");
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Max(row);
    public static void Fold(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Max(acc, row, acc);
}

/// <summary>Minimum; NaN wins (IEEE 754:2019 minimum), like PyTorch. No identity: empty groups are rejected earlier.</summary>
internal readonly struct MinReduce<T> : IReduceOperator<T> where T : unmanaged, INumber<T>
{
    public static T Identity => throw new InvalidOperationException("min has no identity; empty reductions are rejected by the shape rule.");
    public static T Row(ReadOnlySpan<T> row) => TensorPrimitives.Min(row);
    public static void Fold(ReadOnlySpan<T> row, Span<T> acc) => TensorPrimitives.Min(acc, row, acc);
}
