using Avalon.Primitives.Indexing;
using Avalon.Primitives.Views;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// Registers the CPU kernels of the indexing family (gather/scatter, index_select/index_add, cat,
/// one_hot, padding, flip/roll, tril/triu, sort/topk) and of the computing members of the views family
/// (contiguous, slice_backward, diagonal_backward). The views themselves (reshape, permute, slice,
/// expand, diagonal, split, unbind) are device-neutral and take no kernel.
/// </summary>
internal static class CpuIndexingKernels
{
    public static void Register()
    {
        GatherScatterPrimitives.Gather.RegisterKernel(DeviceType.Cpu, GatherScatterKernels.Gather);
        GatherScatterPrimitives.Scatter.RegisterKernel(DeviceType.Cpu, GatherScatterKernels.Scatter);
        GatherScatterPrimitives.ScatterAdd.RegisterKernel(DeviceType.Cpu, GatherScatterKernels.ScatterAdd);
        IndexSelectPrimitives.IndexSelect.RegisterKernel(DeviceType.Cpu, IndexSelectKernels.IndexSelect);
        IndexSelectPrimitives.IndexAdd.RegisterKernel(DeviceType.Cpu, IndexSelectKernels.IndexAdd);
        JoiningPrimitives.Cat.RegisterKernel(DeviceType.Cpu, CatKernel.Run);
        OneHotPrimitives.OneHot.RegisterKernel(DeviceType.Cpu, OneHotKernel.Run);
        PaddingPrimitives.ConstantPad.RegisterKernel(DeviceType.Cpu, ConstantPadKernel.Run);
        PaddingPrimitives.ReflectionPad.RegisterKernel(DeviceType.Cpu, IndexMapPadKernel.Forward(PadIndexMode.Reflect));
        PaddingPrimitives.ReplicationPad.RegisterKernel(DeviceType.Cpu, IndexMapPadKernel.Forward(PadIndexMode.Replicate));
        PaddingPrimitives.CircularPad.RegisterKernel(DeviceType.Cpu, IndexMapPadKernel.Forward(PadIndexMode.Circular));
        PaddingPrimitives.ReflectionPadBackward.RegisterKernel(DeviceType.Cpu,
            IndexMapPadKernel.Backward(PadIndexMode.Reflect, PaddingPrimitives.ReflectionPadBackward.Name));
        PaddingPrimitives.ReplicationPadBackward.RegisterKernel(DeviceType.Cpu,
            IndexMapPadKernel.Backward(PadIndexMode.Replicate, PaddingPrimitives.ReplicationPadBackward.Name));
        PaddingPrimitives.CircularPadBackward.RegisterKernel(DeviceType.Cpu,
            IndexMapPadKernel.Backward(PadIndexMode.Circular, PaddingPrimitives.CircularPadBackward.Name));
        ReorderPrimitives.Flip.RegisterKernel(DeviceType.Cpu, FlipKernel.Run);
        ReorderPrimitives.Roll.RegisterKernel(DeviceType.Cpu, RollKernel.Run);
        TriangularPrimitives.Tril.RegisterKernel(DeviceType.Cpu, TriangularKernel.Lower);
        TriangularPrimitives.Triu.RegisterKernel(DeviceType.Cpu, TriangularKernel.Upper);
        SortingPrimitives.Sort.RegisterKernel(DeviceType.Cpu, SortKernels.Sort);
        SortingPrimitives.TopK.RegisterKernel(DeviceType.Cpu, SortKernels.TopK);

        ViewPrimitives.Copy.RegisterKernel(DeviceType.Cpu, ViewCopyKernels.Contiguous);
        ViewPrimitives.SliceBackward.RegisterKernel(DeviceType.Cpu, ViewCopyKernels.SliceBackward);
        DiagonalPrimitives.DiagonalBackward.RegisterKernel(DeviceType.Cpu, ViewCopyKernels.DiagonalBackward);
    }
}
