using Avalon.Primitives.Optim;

namespace Avalon.Backends.Cpu.Optim;

/// <summary>Registers the CPU kernels of the optimiser-update primitives (<see cref="OptimPrimitives"/>).</summary>
internal static class CpuOptimKernels
{
    /// <summary>Registers one kernel per update primitive, and the fused multi-tensor kernels of SGD and Adam. The kernels write into the mutated inputs; the outputs are those same tensors.</summary>
    public static void Register()
    {
        foreach (var p in new[] { OptimPrimitives.SgdUpdate, OptimPrimitives.SgdMomentumUpdate })
        {
            var sgd = p;
            sgd.RegisterKernel(DeviceType.Cpu, (inputs, attributes, _) => SgdKernel.Run(sgd.Name, sgd.HasMomentum, inputs, attributes));
            string multi = "multi_tensor_" + sgd.Name;
            MultiTensorUpdatePrimitive.RegisterFusedKernel(sgd, DeviceType.Cpu, (inputs, attributes, _) => SgdKernel.RunMulti(multi, sgd.HasMomentum, inputs, attributes));
        }
        foreach (var p in new[] { OptimPrimitives.AdamUpdate, OptimPrimitives.AdamAmsgradUpdate })
        {
            var adam = p;
            adam.RegisterKernel(DeviceType.Cpu, (inputs, attributes, _) => AdamKernel.Run(adam.Name, adam.Amsgrad, inputs, attributes));
            string multi = "multi_tensor_" + adam.Name;
            MultiTensorUpdatePrimitive.RegisterFusedKernel(adam, DeviceType.Cpu, (inputs, attributes, _) => AdamKernel.RunMulti(multi, adam.Amsgrad, inputs, attributes));
        }
        foreach (var p in new[] { OptimPrimitives.RmsPropUpdate, OptimPrimitives.RmsPropMomentumUpdate,
                     OptimPrimitives.RmsPropCenteredUpdate, OptimPrimitives.RmsPropCenteredMomentumUpdate })
        {
            var rms = p;
            rms.RegisterKernel(DeviceType.Cpu, (inputs, attributes, _) => RmsPropKernel.Run(rms.Name, rms.HasMomentum, rms.Centered, inputs, attributes));
        }
        OptimPrimitives.AdagradUpdate.RegisterKernel(DeviceType.Cpu,
            (inputs, attributes, _) => AdagradKernel.Run(OptimPrimitives.AdagradUpdate.Name, inputs, attributes));
    }
}
