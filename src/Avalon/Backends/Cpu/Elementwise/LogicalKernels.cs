using System.Runtime.InteropServices;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>CPU kernels of the logical primitives: bool storages read as bytes of 0/1 and combined bitwise.</summary>
internal static class LogicalKernels
{
    private static ReturningKernel Binary<TOp>() where TOp : IBinaryOperator<byte> => (inputs, _, spec) =>
    {
        var (a, b) = (inputs[0], inputs[1]);
        var output = Tensor.Empty(spec.Shape.Dims, DType.Bool, spec.Device);
        BinaryLoop.Run<byte, TOp>(a, Bytes(a), b, Bytes(b), output, Bytes(output));
        return output;
    };

    private static Span<byte> Bytes(Tensor t) => MemoryMarshal.Cast<bool, byte>(t.CpuSpan<bool>());

    public static readonly ReturningKernel And = Binary<LogicalAndOperator>();
    public static readonly ReturningKernel Or = Binary<LogicalOrOperator>();
    public static readonly ReturningKernel Xor = Binary<LogicalXorOperator>();

    public static readonly ReturningKernel Not = (inputs, _, spec) =>
    {
        var x = inputs[0].ContiguousNoGrad();
        var output = Tensor.Empty(spec.Shape.Dims, DType.Bool, spec.Device);
        UnaryLoop.Run<byte, LogicalNotOperator>(MemoryMarshal.Cast<bool, byte>(x.ContiguousSpan<bool>()), Bytes(output));
        return output;
    };
}
