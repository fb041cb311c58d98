using Avalon.Primitives.Linalg;

namespace Avalon.Backends.Cpu.Linalg;

/// <summary>Registers the CPU kernels of the linear-algebra primitives (matmul over the GEMM).</summary>
internal static class CpuLinalgKernels
{
    /// <summary>Registers one CPU kernel per linear-algebra primitive (called once by <see cref="CpuKernelRegistration"/>).</summary>
    public static void Register() => MatMulPrimitives.MatMul.RegisterKernel(DeviceType.Cpu, MatMulKernel.MatMul);
}
