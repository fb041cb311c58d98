using System.Numerics;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>A kernel body generic over any element type (data movement: copies, gathers, masks).</summary>
internal interface IElementVisitor
{
    void Visit<T>() where T : unmanaged;
}

/// <summary>A kernel body generic over numeric element types (anything that accumulates).</summary>
internal interface INumericVisitor
{
    void Visit<T>() where T : unmanaged, INumber<T>;
}

/// <summary>
/// Resolves a dtype to its CLR element type once per kernel call, so the loop inside the visitor is
/// specialised by the JIT (no per-element dispatch).
/// </summary>
internal static class DTypeDispatch
{
    /// <summary>Runs <paramref name="visitor"/> for the element type of <paramref name="dtype"/> (every dtype).</summary>
    public static void Any<TVisitor>(DType dtype, ref TVisitor visitor) where TVisitor : struct, IElementVisitor
    {
        switch (dtype)
        {
            case DType.Float32: visitor.Visit<float>(); break;
            case DType.Float64: visitor.Visit<double>(); break;
            case DType.Int32: visitor.Visit<int>(); break;
            case DType.Int64: visitor.Visit<long>(); break;
            case DType.Bool: visitor.Visit<bool>(); break;
            default: throw new NotSupportedException($"Unsupported dtype {dtype}.");
        }
    }

    /// <summary>Runs <paramref name="visitor"/> for a numeric dtype; throws naming <paramref name="op"/> for bool.</summary>
    public static void Numeric<TVisitor>(DType dtype, ref TVisitor visitor, string op) where TVisitor : struct, INumericVisitor
    {
        switch (dtype)
        {
            case DType.Float32: visitor.Visit<float>(); break;
            case DType.Float64: visitor.Visit<double>(); break;
            case DType.Int32: visitor.Visit<int>(); break;
            case DType.Int64: visitor.Visit<long>(); break;
            default: throw OpErrors.NotSupported(op, $"not implemented for dtype {dtype.Name()}.");
        }
    }
}
