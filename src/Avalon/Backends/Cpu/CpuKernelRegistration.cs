namespace Avalon.Backends.Cpu;

/// <summary>
/// Registers the CPU backend's kernels with the primitives (the backend depends on the primitives,
/// never the reverse). Each family of kernels has one registration method, called from here once,
/// the first time a primitive looks for a CPU kernel.
/// </summary>
internal static class CpuKernelRegistration
{
    public static void RegisterAll()
    {
        Convolution.CpuConvolutionKernels.Register();
        Pooling.CpuPoolingKernels.Register();
        Upsampling.CpuUpsamplingKernels.Register();
        Nn.CpuEmbeddingKernels.Register();
        Indexing.CpuIndexingKernels.Register();
        Optim.CpuOptimKernels.Register();
        Random.RandomKernels.Register();
        Elementwise.CpuElementwiseKernels.Register();
        Reduction.CpuReductionKernels.Register();
        Linalg.CpuLinalgKernels.Register();
    }
}
