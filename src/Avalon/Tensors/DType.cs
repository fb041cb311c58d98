namespace Avalon;

/// <summary>The element type of a tensor (PyTorch's <c>torch.dtype</c>).</summary>
/// <remarks>Half types (float16, bfloat16) are reserved for GPU backends and not yet implemented.</remarks>
public enum DType
{
    /// <summary>32-bit IEEE float (<c>torch.float32</c>), the default.</summary>
    Float32,
    /// <summary>64-bit IEEE float (<c>torch.float64</c>), used for checks.</summary>
    Float64,
    /// <summary>32-bit signed integer (<c>torch.int32</c>).</summary>
    Int32,
    /// <summary>64-bit signed integer (<c>torch.int64</c>), used for indices.</summary>
    Int64,
    /// <summary>Boolean (<c>torch.bool</c>), the result of comparisons.</summary>
    Bool,
}

/// <summary>Facts about <see cref="DType"/> values.</summary>
public static class DTypeInfo
{
    /// <summary>Size of one element in bytes.</summary>
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for floating-point dtypes (the ones that carry gradients).</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>True for integer dtypes (not bool).</summary>
    public static bool IsInteger(this DType dtype) => dtype is DType.Int32 or DType.Int64;

    /// <summary>PyTorch's name for the dtype, e.g. <c>float32</c>.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => dtype.ToString(),
    };

    /// <summary>The dtype for a CLR element type.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new NotSupportedException($"No Avalon dtype corresponds to the CLR type {typeof(T).Name}; expected float, double, int, long or bool.");
    }

    /// <summary>The CLR element type of a dtype.</summary>
    public static Type ClrType(this DType dtype) => dtype switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int32 => typeof(int),
        DType.Int64 => typeof(long),
        DType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
