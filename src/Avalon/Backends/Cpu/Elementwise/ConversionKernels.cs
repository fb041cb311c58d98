using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>CPU kernel of the conversion primitive: PyTorch's casts, written into the given output.</summary>
internal static class ConversionKernels
{
    /// <summary>convert(x; dtype): every element of <c>x</c> converted into the output buffer (whose dtype is the target).</summary>
    public static readonly Kernel Convert = (inputs, _, outputs) => CpuBackend.CastInto(inputs[0], outputs[0]);
}
