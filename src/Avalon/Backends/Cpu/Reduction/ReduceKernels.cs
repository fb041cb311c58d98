using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>CPU kernels for the associative reductions (sum, prod, amax, amin): dtype dispatch around <see cref="ReduceLoop"/>.</summary>
internal static class ReduceKernels
{
    /// <summary>Sum over the <c>dims</c> attribute.</summary>
    public static readonly Kernel Sum = (inputs, a, outputs) => Dispatch<SumReduce<float>, SumReduce<double>, SumReduce<int>, SumReduce<long>>("sum", inputs[0], a, outputs[0]);

    /// <summary>Product over the <c>dims</c> attribute.</summary>
    public static readonly Kernel Prod = (inputs, a, outputs) => Dispatch<ProdReduce<float>, ProdReduce<double>, ProdReduce<int>, ProdReduce<long>>("prod", inputs[0], a, outputs[0]);

    /// <summary>Maximum over the <c>dims</c> attribute (NaN propagates).</summary>
    public static readonly Kernel Max = (inputs, a, outputs) => Dispatch<MaxReduce<float>, MaxReduce<double>, MaxReduce<int>, MaxReduce<long>>("amax", inputs[0], a, outputs[0]);

    /// <summary>Minimum over the <c>dims</c> attribute (NaN propagates).</summary>
    public static readonly Kernel Min = (inputs, a, outputs) => Dispatch<MinReduce<float>, MinReduce<double>, MinReduce<int>, MinReduce<long>>("amin", inputs[0], a, outputs[0]);

    private static void Dispatch<TF, TD, TI, TL>(string name, Tensor x, Attributes a, Tensor output)
        where TF : IReduceOperator<float> where TD : IReduceOperator<double>
        where TI : IReduceOperator<int> where TL : IReduceOperator<long>
    {
        var dims = a.SharedInts("dims");
        // Deliberately specialised (not DTypeDispatch's visitor): the reduce operator struct differs per dtype.
        switch (x.DType)
        {
            case DType.Float32: ReduceLoop.Run<float, TF>(x, dims, output); break;
            case DType.Float64: ReduceLoop.Run<double, TD>(x, dims, output); break;
            case DType.Int32: ReduceLoop.Run<int, TI>(x, dims, output); break;
            case DType.Int64: ReduceLoop.Run<long, TL>(x, dims, output); break;
            default: throw DTypeDispatch.Unsupported(name, x.DType, DTypeDispatch.NumericTypes);
        }
    }
}
