using System.Numerics.Tensors;
using Avalon.Primitives.Elementwise;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// Registers the CPU kernels of the elementwise primitives: arithmetic, math, comparison, logical,
/// selection and conversion.
/// </summary>
internal static class CpuElementwiseKernels
{
    /// <summary>Registers one CPU kernel per elementwise primitive (called once by <see cref="CpuKernelRegistration"/>).</summary>
    public static void Register()
    {
        const DeviceType cpu = DeviceType.Cpu;

        ArithmeticPrimitives.Add.RegisterKernel(cpu,
            ElementwiseKernels.Arithmetic<AddOperator<float>, AddOperator<double>, AddOperator<int>, AddOperator<long>>("add"));
        ArithmeticPrimitives.Sub.RegisterKernel(cpu,
            ElementwiseKernels.Arithmetic<SubtractOperator<float>, SubtractOperator<double>, SubtractOperator<int>, SubtractOperator<long>>("sub"));
        ArithmeticPrimitives.Mul.RegisterKernel(cpu,
            ElementwiseKernels.Arithmetic<MultiplyOperator<float>, MultiplyOperator<double>, MultiplyOperator<int>, MultiplyOperator<long>>("mul"));
        ArithmeticPrimitives.Div.RegisterKernel(cpu,
            ElementwiseKernels.Arithmetic<DivideOperator<float>, DivideOperator<double>, DivideOperator<int>, DivideOperator<long>>("div"));
        ArithmeticPrimitives.Neg.RegisterKernel(cpu, ElementwiseKernels.Negate);
        ArithmeticPrimitives.Exp.RegisterKernel(cpu, ElementwiseKernels.FloatUnary("exp", TensorPrimitives.Exp, TensorPrimitives.Exp));
        ArithmeticPrimitives.Log.RegisterKernel(cpu, ElementwiseKernels.FloatUnary("log", TensorPrimitives.Log, TensorPrimitives.Log));

        MathPrimitives.Pow.RegisterKernel(cpu, MathKernels.Pow);
        MathPrimitives.PowScalar.RegisterKernel(cpu, MathKernels.PowScalar);
        MathPrimitives.Log1p.RegisterKernel(cpu, MathKernels.Log1p);
        MathPrimitives.Expm1.RegisterKernel(cpu, MathKernels.Expm1);
        MathPrimitives.Sqrt.RegisterKernel(cpu, MathKernels.Sqrt);
        MathPrimitives.Rsqrt.RegisterKernel(cpu, MathKernels.Rsqrt);
        MathPrimitives.Abs.RegisterKernel(cpu, MathKernels.Abs);
        MathPrimitives.Sign.RegisterKernel(cpu, MathKernels.Sign);
        MathPrimitives.Sin.RegisterKernel(cpu, MathKernels.Sin);
        MathPrimitives.Cos.RegisterKernel(cpu, MathKernels.Cos);
        MathPrimitives.Tanh.RegisterKernel(cpu, MathKernels.Tanh);
        MathPrimitives.Sigmoid.RegisterKernel(cpu, MathKernels.Sigmoid);
        MathPrimitives.Erf.RegisterKernel(cpu, MathKernels.Erf);
        MathPrimitives.Square.RegisterKernel(cpu, MathKernels.Square);
        MathPrimitives.Reciprocal.RegisterKernel(cpu, MathKernels.Reciprocal);
        MathPrimitives.Relu.RegisterKernel(cpu, MathKernels.Relu);

        ComparisonPrimitives.Eq.RegisterKernel(cpu, ComparisonKernels.Eq);
        ComparisonPrimitives.Ne.RegisterKernel(cpu, ComparisonKernels.Ne);
        ComparisonPrimitives.Lt.RegisterKernel(cpu, ComparisonKernels.Lt);
        ComparisonPrimitives.Le.RegisterKernel(cpu, ComparisonKernels.Le);
        ComparisonPrimitives.Gt.RegisterKernel(cpu, ComparisonKernels.Gt);
        ComparisonPrimitives.Ge.RegisterKernel(cpu, ComparisonKernels.Ge);
        ComparisonPrimitives.IsNan.RegisterKernel(cpu, ComparisonKernels.IsNan);
        ComparisonPrimitives.IsInf.RegisterKernel(cpu, ComparisonKernels.IsInf);
        ComparisonPrimitives.IsFinite.RegisterKernel(cpu, ComparisonKernels.IsFinite);

        LogicalPrimitives.And.RegisterKernel(cpu, LogicalKernels.And);
        LogicalPrimitives.Or.RegisterKernel(cpu, LogicalKernels.Or);
        LogicalPrimitives.Xor.RegisterKernel(cpu, LogicalKernels.Xor);
        LogicalPrimitives.Not.RegisterKernel(cpu, LogicalKernels.Not);

        SelectionPrimitives.Maximum.RegisterKernel(cpu, SelectionKernels.Maximum);
        SelectionPrimitives.Minimum.RegisterKernel(cpu, SelectionKernels.Minimum);
        SelectionPrimitives.Clamp.RegisterKernel(cpu, SelectionKernels.Clamp);
        SelectionPrimitives.Where.RegisterKernel(cpu, SelectionKernels.Where);

        ConversionPrimitives.Convert.RegisterKernel(cpu, ConversionKernels.Convert);
    }
}
