using System.Runtime.InteropServices;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>CPU kernels of the logical primitives: bool storages read as bytes of 0/1 and combined bitwise.</summary>
internal static class LogicalKernels
{
    private static Kernel Binary<TOp>() where TOp : IBinaryOperator<byte> => (inputs, _, outputs) =>
    {
        var (a, b) = (inputs[0], inputs[1]);
        var output = outputs[0];   // the loop writes every element, at the output's offset
        BinaryLoop.Run<byte, TOp>(a, Bytes(a), b, Bytes(b), output, Bytes(output));
    };

    // The whole storage as bytes (index with the tensor's offset and strides).
    private static Span<byte> Bytes(Tensor t) => MemoryMarshal.Cast<bool, byte>(t.CpuSpan<bool>());

    public static readonly Kernel And = Binary<LogicalAndOperator>();
    public static readonly Kernel Or = Binary<LogicalOrOperator>();
    public static readonly Kernel Xor = Binary<LogicalXorOperator>();

    public static readonly Kernel Not = (inputs, _, outputs) =>
    {
        var x = inputs[0].ContiguousNoGrad();
        UnaryLoop.Run<byte, LogicalNotOperator>(MemoryMarshal.Cast<bool, byte>(x.ContiguousSpan<bool>()), MemoryMarshal.Cast<bool, byte>(outputs[0].ContiguousSpan<bool>()));
    };
}
