using System.Numerics;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>a + b.</summary>
internal readonly struct AddOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Vectorized => true;
    public static T Invoke(T a, T b) => a + b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a + b;
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a + b;
}

/// <summary>a - b.</summary>
internal readonly struct SubtractOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Vectorized => true;
    public static T Invoke(T a, T b) => a - b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a - b;
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a - b;
}

/// <summary>a * b.</summary>
internal readonly struct MultiplyOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Vectorized => true;
    public static T Invoke(T a, T b) => a * b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a * b;
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a * b;
}

/// <summary>a / b (integer division truncates, like C#; PyTorch's true division is float-only here).</summary>
internal readonly struct DivideOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Vectorized => typeof(T) == typeof(float) || typeof(T) == typeof(double);
    public static T Invoke(T a, T b) => a / b;
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a / b;
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a / b;
}

/// <summary>max(a, b), propagating NaN like <c>torch.maximum</c>.</summary>
internal readonly struct MaximumOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Vectorized => true;
    public static T Invoke(T a, T b) => T.Max(a, b);
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
}

/// <summary>min(a, b), propagating NaN like <c>torch.minimum</c>.</summary>
internal readonly struct MinimumOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    public static bool Vectorized => true;
    public static T Invoke(T a, T b) => T.Min(a, b);
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);
}

/// <summary>a ** b (floating point only).</summary>
internal readonly struct PowOperator<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>, IPowerFunctions<T>
{
    public static bool Vectorized => false;
    public static T Invoke(T a, T b) => T.Pow(a, b);
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => throw new NotSupportedException();
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => throw new NotSupportedException();
}

/// <summary>Logical and of bools stored as bytes holding 0 or 1.</summary>
internal readonly struct LogicalAndOperator : IBinaryOperator<byte>
{
    public static bool Vectorized => true;
    public static byte Invoke(byte a, byte b) => (byte)(a & b);
    public static Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b) => a & b;
    public static Vector512<byte> Invoke(Vector512<byte> a, Vector512<byte> b) => a & b;
}

/// <summary>Logical or of bools stored as bytes holding 0 or 1.</summary>
internal readonly struct LogicalOrOperator : IBinaryOperator<byte>
{
    public static bool Vectorized => true;
    public static byte Invoke(byte a, byte b) => (byte)(a | b);
    public static Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b) => a | b;
    public static Vector512<byte> Invoke(Vector512<byte> a, Vector512<byte> b) => a | b;
}

/// <summary>Logical exclusive or of bools stored as bytes holding 0 or 1.</summary>
internal readonly struct LogicalXorOperator : IBinaryOperator<byte>
{
    public static bool Vectorized => true;
    public static byte Invoke(byte a, byte b) => (byte)(a ^ b);
    public static Vector256<byte> Invoke(Vector256<byte> a, Vector256<byte> b) => a ^ b;
    public static Vector512<byte> Invoke(Vector512<byte> a, Vector512<byte> b) => a ^ b;
}
