using System.Numerics;
using System.Runtime.InteropServices;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>CPU kernels of the comparison primitives (bool results) and the float classification tests.</summary>
internal static class ComparisonKernels
{
    /// <summary>A comparison kernel for every dtype; bool inputs compare as bytes (false &lt; true).</summary>
    public static Kernel Compare<TF, TD, TI, TL, TB>(string name)
        where TF : ICompareOperator<float> where TD : ICompareOperator<double>
        where TI : ICompareOperator<int> where TL : ICompareOperator<long> where TB : ICompareOperator<byte> =>
        (inputs, _, outputs) =>
        {
            var (a, b) = (inputs[0], inputs[1]);
            var output = outputs[0];   // the loop writes every element, at the output's offset
            // Deliberately specialised (not DTypeDispatch's visitor): the comparison operator struct differs per dtype.
            switch (a.DType)
            {
                case DType.Float32: CompareLoop.Run<float, TF>(a, a.CpuSpan<float>(), b, b.CpuSpan<float>(), output); break;
                case DType.Float64: CompareLoop.Run<double, TD>(a, a.CpuSpan<double>(), b, b.CpuSpan<double>(), output); break;
                case DType.Int32: CompareLoop.Run<int, TI>(a, a.CpuSpan<int>(), b, b.CpuSpan<int>(), output); break;
                case DType.Int64: CompareLoop.Run<long, TL>(a, a.CpuSpan<long>(), b, b.CpuSpan<long>(), output); break;
                case DType.Bool:
                    CompareLoop.Run<byte, TB>(a, MemoryMarshal.Cast<bool, byte>(a.CpuSpan<bool>()), b, MemoryMarshal.Cast<bool, byte>(b.CpuSpan<bool>()), output);
                    break;
                default: throw DTypeDispatch.Unsupported(name, a.DType, DTypeDispatch.AllTypes);
            }
        };

    public static readonly Kernel Eq = Compare<EqualOperator<float>, EqualOperator<double>, EqualOperator<int>, EqualOperator<long>, EqualOperator<byte>>("eq");
    public static readonly Kernel Ne = Compare<NotEqualOperator<float>, NotEqualOperator<double>, NotEqualOperator<int>, NotEqualOperator<long>, NotEqualOperator<byte>>("ne");
    public static readonly Kernel Lt = Compare<LessThanOperator<float>, LessThanOperator<double>, LessThanOperator<int>, LessThanOperator<long>, LessThanOperator<byte>>("lt");
    public static readonly Kernel Le = Compare<LessThanOrEqualOperator<float>, LessThanOrEqualOperator<double>, LessThanOrEqualOperator<int>, LessThanOrEqualOperator<long>, LessThanOrEqualOperator<byte>>("le");
    public static readonly Kernel Gt = Compare<GreaterThanOperator<float>, GreaterThanOperator<double>, GreaterThanOperator<int>, GreaterThanOperator<long>, GreaterThanOperator<byte>>("gt");
    public static readonly Kernel Ge = Compare<GreaterThanOrEqualOperator<float>, GreaterThanOrEqualOperator<double>, GreaterThanOrEqualOperator<int>, GreaterThanOrEqualOperator<long>, GreaterThanOrEqualOperator<byte>>("ge");

    private enum Classification { NaN, Inf, Finite }

    private static Kernel Classify(Classification test) => (inputs, _, outputs) =>
    {
        var x = inputs[0].ContiguousNoGrad();
        var y = outputs[0].ContiguousSpan<bool>();   // every element is written below
        switch (x.DType)
        {
            case DType.Float32: ClassifyTyped(x.ContiguousSpan<float>(), y, test); break;
            case DType.Float64: ClassifyTyped(x.ContiguousSpan<double>(), y, test); break;
            default: y.Fill(test == Classification.Finite); break;   // integers and bools are always finite
        }
    };

    private static void ClassifyTyped<T>(ReadOnlySpan<T> x, Span<bool> y, Classification test) where T : IFloatingPointIeee754<T>
    {
        switch (test)
        {
            case Classification.NaN: for (int i = 0; i < x.Length; i++) y[i] = T.IsNaN(x[i]); break;
            case Classification.Inf: for (int i = 0; i < x.Length; i++) y[i] = T.IsInfinity(x[i]); break;
            default: for (int i = 0; i < x.Length; i++) y[i] = T.IsFinite(x[i]); break;
        }
    }

    public static readonly Kernel IsNan = Classify(Classification.NaN);
    public static readonly Kernel IsInf = Classify(Classification.Inf);
    public static readonly Kernel IsFinite = Classify(Classification.Finite);
}
