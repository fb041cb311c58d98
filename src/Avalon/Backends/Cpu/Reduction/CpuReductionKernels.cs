using Avalon.Primitives.Reduction;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// Registers the CPU kernels of the reduction primitives: sum, prod, var/std, logsumexp, the extrema
/// and arg-extrema, equal_mask, the logical reductions, softmax and log_softmax.
/// </summary>
internal static class CpuReductionKernels
{
    /// <summary>Registers one CPU kernel per reduction primitive (called once by <see cref="CpuKernelRegistration"/>).</summary>
    public static void Register()
    {
        const DeviceType cpu = DeviceType.Cpu;

        SumPrimitives.Sum.RegisterKernel(cpu, ReduceKernels.Sum);
        ProdPrimitives.Prod.RegisterKernel(cpu, ReduceKernels.Prod);
        VariancePrimitives.Var.RegisterKernel(cpu, VarianceKernel.Var);
        VariancePrimitives.Std.RegisterKernel(cpu, VarianceKernel.Std);
        LogSumExpPrimitives.LogSumExp.RegisterKernel(cpu, LogSumExpKernel.Run);

        ExtremumPrimitives.ArgMax.RegisterKernel(cpu, ArgExtremumKernel.ArgMax);
        ExtremumPrimitives.ArgMin.RegisterKernel(cpu, ArgExtremumKernel.ArgMin);
        ExtremumPrimitives.Amax.RegisterKernel(cpu, ReduceKernels.Max);
        ExtremumPrimitives.Amin.RegisterKernel(cpu, ReduceKernels.Min);
        ExtremumPrimitives.MaxDim.RegisterKernel(cpu, ReduceKernels.Max);
        ExtremumPrimitives.MinDim.RegisterKernel(cpu, ReduceKernels.Min);

        EqualMaskPrimitives.EqualMask.RegisterKernel(cpu, EqualMaskKernel.Run);

        LogicalReductionPrimitives.All.RegisterKernel(cpu, LogicalReductionKernels.All);
        LogicalReductionPrimitives.Any.RegisterKernel(cpu, LogicalReductionKernels.Any);
        LogicalReductionPrimitives.CountNonzero.RegisterKernel(cpu, LogicalReductionKernels.CountNonzero);

        SoftmaxPrimitives.Softmax.RegisterKernel(cpu, SoftmaxKernel.Softmax);
        SoftmaxPrimitives.LogSoftmax.RegisterKernel(cpu, SoftmaxKernel.LogSoftmax);
    }
}
