using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>Dense span transform y = f(x) used by unary kernels.</summary>
internal delegate void SpanTransform<T>(ReadOnlySpan<T> x, Span<T> y);

/// <summary>
/// CPU kernels for elementwise primitives: dtype dispatch around <see cref="BinaryLoop"/> and, for
/// unary functions, TensorPrimitives or <see cref="UnaryLoop"/> over dense spans (split across threads
/// above <see cref="ElementwiseParallel.Threshold"/> elements). Each kernel writes every element of the
/// output buffer it is given (addressed from its offset).
/// </summary>
internal static class ElementwiseKernels
{
    /// <summary>A binary kernel from per-dtype loops (null where the dtype is not supported).</summary>
    public static Kernel Binary(string name, Action<Tensor, Tensor, Tensor>? f32, Action<Tensor, Tensor, Tensor>? f64,
        Action<Tensor, Tensor, Tensor>? i32, Action<Tensor, Tensor, Tensor>? i64) =>
        (inputs, _, outputs) =>
        {
            var output = outputs[0];
            // Deliberately specialised (not DTypeDispatch's visitor): each dtype has its own loop, chosen by the caller.
            var loop = output.DType switch
            {
                DType.Float32 => f32,
                DType.Float64 => f64,
                DType.Int32 => i32,
                DType.Int64 => i64,
                _ => null,
            } ?? throw DTypeDispatch.Unsupported(name, output.DType, Supported(f32, f64, i32, i64));
            loop(inputs[0], inputs[1], output);   // writes every element, at the output's offset
        };

    /// <summary>The standard arithmetic binary kernel for an operator available for every numeric dtype.</summary>
    public static Kernel Arithmetic<TF, TD, TI, TL>(string name)
        where TF : IBinaryOperator<float> where TD : IBinaryOperator<double>
        where TI : IBinaryOperator<int> where TL : IBinaryOperator<long> =>
        Binary(name, BinaryLoop.Run<float, TF>, BinaryLoop.Run<double, TD>, BinaryLoop.Run<int, TI>, BinaryLoop.Run<long, TL>);

    /// <summary>
    /// A unary kernel from per-dtype dense transforms (null where the dtype is not supported), each a
    /// single elementwise pass that may run in place (TensorPrimitives' functions, <see cref="UnaryLoop"/>).
    /// </summary>
    public static Kernel Unary(string name, SpanTransform<float>? f32, SpanTransform<double>? f64,
        SpanTransform<int>? i32 = null, SpanTransform<long>? i64 = null) =>
        (inputs, _, outputs) => Unary(name, inputs[0], outputs[0], f32, f64, i32, i64, inPlace: true);

    /// <summary>
    /// Runs the per-dtype dense transform of <paramref name="input"/> into the dense <paramref name="output"/>
    /// (which writes every element). <paramref name="inPlace"/>: the transforms may read and write the same
    /// span, so a strided input is copied into the output and transformed there instead of into a temporary.
    /// </summary>
    public static void Unary(string name, Tensor input, Tensor output, SpanTransform<float>? f32, SpanTransform<double>? f64,
        SpanTransform<int>? i32 = null, SpanTransform<long>? i64 = null, bool inPlace = false)
    {
        if (output.Numel == 0) return;   // some TensorPrimitives functions reject empty spans
        // A strided input (a broadcast scalar, a transpose) is copied into the output and transformed in
        // place there (the transforms are elementwise), so no temporary is allocated.
        Tensor x = input;
        if (!input.IsContiguous)
        {
            if (inPlace && input.DType == output.DType)
            {
                CpuBackend.Instance.Copy(input, output);
                x = output;
            }
            else x = input.ContiguousNoGrad();
        }
        // Deliberately specialised (not DTypeDispatch's visitor): each dtype has its own transform, chosen by the caller.
        switch (output.DType)
        {
            case DType.Float32 when f32 is not null: Transform(f32, x, output); break;
            case DType.Float64 when f64 is not null: Transform(f64, x, output); break;
            case DType.Int32 when i32 is not null: Transform(i32, x, output); break;
            case DType.Int64 when i64 is not null: Transform(i64, x, output); break;
            default: throw DTypeDispatch.Unsupported(name, output.DType, Supported(f32, f64, i32, i64));
        }
    }

    // The dtypes that have a loop (for the error message).
    private static DType[] Supported(object? f32, object? f64, object? i32, object? i64)
    {
        var list = new List<DType>(4);
        if (f32 is not null) list.Add(DType.Float32);
        if (f64 is not null) list.Add(DType.Float64);
        if (i32 is not null) list.Add(DType.Int32);
        if (i64 is not null) list.Add(DType.Int64);
        return [.. list];
    }

    /// <summary>
    /// y = f(x) over dense tensors; outputs of at least <see cref="ElementwiseParallel.Threshold"/>
    /// elements are split into fixed chunks on <see cref="CpuParallel"/> (the transforms are elementwise,
    /// so each chunk is independent).
    /// </summary>
    private static void Transform<T>(SpanTransform<T> f, Tensor x, Tensor y) where T : unmanaged
    {
        int total = y.Numel;
        if (!ElementwiseParallel.ShouldSplit(total))
        {
            f(x.ContiguousSpan<T>(), y.ContiguousSpan<T>());
            return;
        }
        TransformSplit(f, x, y, total);
    }

    // A separate method so that the closure is only allocated on the split path.
    private static void TransformSplit<T>(SpanTransform<T> f, Tensor x, Tensor y, int total) where T : unmanaged
    {
        int chunks = ElementwiseParallel.ChunkCount(total);
        CpuParallel.For(chunks, c =>
        {
            var (start, end) = ElementwiseParallel.ChunkRange(c, chunks, total);
            f(x.ContiguousSpan<T>().Slice((int)start, (int)(end - start)), y.ContiguousSpan<T>().Slice((int)start, (int)(end - start)));
        });
    }

    /// <summary>A unary kernel for floating-point dtypes only, from a generic TensorPrimitives-style transform.</summary>
    public static Kernel FloatUnary(string name, SpanTransform<float> f32, SpanTransform<double> f64) => Unary(name, f32, f64);

    /// <summary>Negation for every numeric dtype.</summary>
    public static readonly Kernel Negate = Unary("neg", TensorPrimitives.Negate, TensorPrimitives.Negate, TensorPrimitives.Negate, TensorPrimitives.Negate);
}
