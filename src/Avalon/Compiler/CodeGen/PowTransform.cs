namespace Avalon.Compiler.CodeGen;

/// <summary>A dense span transform with a scalar parameter, y = f(x, e) (TensorPrimitives.Pow's shape).</summary>
internal delegate void PowTransform<T>(ReadOnlySpan<T> x, T e, Span<T> y);
