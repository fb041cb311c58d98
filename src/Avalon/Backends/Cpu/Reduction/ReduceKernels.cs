using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>CPU kernels for the associative reductions (sum, prod, amax, amin): dtype dispatch around <see cref="ReduceLoop"/>.</summary>
internal static class ReduceKernels
{
    /// <summary>Sum over the <c>dims</c> attribute.</summary>
    public static readonly ReturningKernel Sum = (inputs, a, spec) => Dispatch<SumReduce<float>, SumReduce<double>, SumReduce<int>, SumReduce<long>>("sum", inputs[0], a, spec);

    /// <summary>Product over the <c>dims</c> attribute.</summary>
    public static readonly ReturningKernel Prod = (inputs, a, spec) => Dispatch<ProdReduce<float>, ProdReduce<double>, ProdReduce<int>, ProdReduce<long>>("prod", inputs[0], a, spec);

    /// <summary>Maximum over the <c>dims</c> attribute (NaN propagates).</summary>
    public static readonly ReturningKernel Max = (inputs, a, spec) => Dispatch<MaxReduce<float>, MaxReduce<double>, MaxReduce<int>, MaxReduce<long>>("amax", inputs[0], a, spec);

    /// <summary>Minimum over the <c>dims</c> attribute (NaN propagates).</summary>
    public static readonly ReturningKernel Min = (inputs, a, spec) => Dispatch<MinReduce<float>, MinReduce<double>, MinReduce<int>, MinReduce<long>>("amin", inputs[0], a, spec);

    private static Tensor Dispatch<TF, TD, TI, TL>(string name, Tensor x, Attributes a, TensorSpec spec)
        where TF : IReduceOperator<float> where TD : IReduceOperator<double>
        where TI : IReduceOperator<int> where TL : IReduceOperator<long>
    {
        var dims = a.Ints("dims");
        return x.DType switch
        {
            DType.Float32 => ReduceLoop.Run<float, TF>(x, dims, spec),
            DType.Float64 => ReduceLoop.Run<double, TD>(x, dims, spec),
            DType.Int32 => ReduceLoop.Run<int, TI>(x, dims, spec),
            DType.Int64 => ReduceLoop.Run<long, TL>(x, dims, spec),
            _ => throw new NotSupportedException($"{name}: not implemented for dtype {x.DType.Name()}."),
        };
    }
}
