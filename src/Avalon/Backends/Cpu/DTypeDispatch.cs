using System.Numerics;

namespace Avalon.Backends.Cpu;

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

/// <summary>A kernel body generic over floating-point element types (transcendental functions, statistics).</summary>
internal interface IFloatingVisitor
{
    void Visit<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// The one dtype dispatch of the CPU kernels: resolves a dtype to its CLR element type once per kernel
/// call and runs a struct visitor's generic body for it, so the JIT specialises the loop inside (no
/// per-element dispatch, no boxing, no delegate), and every kernel that meets a dtype it lacks fails the
/// same way: "op: dtype X is not supported (expected one of ...)." (<see cref="Unsupported"/>).
/// </summary>
/// <remarks>
/// Kernels whose per-dtype bodies differ by more than the element type (a vector operator struct chosen
/// per dtype, as the elementwise, comparison and reduction families do) keep their own switch, marked as
/// such, and still throw through <see cref="Unsupported"/>.
/// </remarks>
internal static class DTypeDispatch
{
    /// <summary>Every dtype.</summary>
    public static readonly DType[] AllTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    /// <summary>The numeric dtypes (all but bool).</summary>
    public static readonly DType[] NumericTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];

    /// <summary>The floating-point dtypes.</summary>
    public static readonly DType[] FloatingTypes = [DType.Float32, DType.Float64];

    /// <summary>The uniform error for a dtype a kernel does not implement.</summary>
    public static NotSupportedException Unsupported(string op, DType dtype, DType[] expected) =>
        OpErrors.NotSupported(op, $"dtype {dtype.Name()} is not supported (expected one of {string.Join(", ", expected.Select(d => d.Name()))}).");

    /// <summary>Runs <paramref name="visitor"/> for the element type of <paramref name="dtype"/> (every dtype).</summary>
    public static void Any<TVisitor>(DType dtype, ref TVisitor visitor, string op) where TVisitor : struct, IElementVisitor
    {
        switch (dtype)
        {
            case DType.Float32: visitor.Visit<float>(); break;
            case DType.Float64: visitor.Visit<double>(); break;
            case DType.Int32: visitor.Visit<int>(); break;
            case DType.Int64: visitor.Visit<long>(); break;
            case DType.Bool: visitor.Visit<bool>(); break;
            default: throw Unsupported(op, dtype, AllTypes);
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
            default: throw Unsupported(op, dtype, NumericTypes);
        }
    }

    /// <summary>Runs <paramref name="visitor"/> for a floating-point dtype; throws naming <paramref name="op"/> otherwise.</summary>
    public static void Floating<TVisitor>(DType dtype, ref TVisitor visitor, string op) where TVisitor : struct, IFloatingVisitor
    {
        switch (dtype)
        {
            case DType.Float32: visitor.Visit<float>(); break;
            case DType.Float64: visitor.Visit<double>(); break;
            default: throw Unsupported(op, dtype, FloatingTypes);
        }
    }
}
