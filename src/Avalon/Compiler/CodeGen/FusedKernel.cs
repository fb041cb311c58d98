using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Elementwise;
using Avalon.Compiler.Fusion;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// One generated CPU kernel: the compiled loop of a fused expression for one layout kind and vector
/// width, with its readable listing (<see cref="Dump"/>). Large outputs are split into the fixed chunks
/// of <see cref="ElementwiseParallel"/>, so the result does not depend on the thread count.
/// </summary>
public sealed class FusedKernel
{
    private readonly Action<FusedFrame, int, int> _body;

    internal FusedKernel(FusedExpression expression, string layoutKey, VectorWidth width, Action<FusedFrame, int, int> body, string listing, TimeSpan compileTime)
    {
        Expression = expression;
        LayoutKey = layoutKey;
        Width = width.ToString();
        _body = body;
        Listing = listing;
        CompileTime = compileTime;
    }

    /// <summary>The expression this kernel computes.</summary>
    public FusedExpression Expression { get; }

    /// <summary>The layout kind it was generated for (rows or n-d rows; per input dense, scalar, per-row or strided).</summary>
    public string LayoutKey { get; }

    /// <summary>The vector width of its body (Vector512, Vector256 or Scalar).</summary>
    public string Width { get; }

    /// <summary>The generated loop as pseudo-C#.</summary>
    public string Listing { get; }

    /// <summary>How long generating and compiling the expression tree took (the JIT compiles it on the first call, after this).</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>The generated loop as pseudo-C# (what AVALON_DEBUG=3 prints).</summary>
    public string Dump() => Listing;

    /// <inheritdoc />
    public override string ToString() => Listing;

    /// <summary>Runs the kernel: inputs broadcast into the dense <paramref name="output"/> as <paramref name="layout"/> describes.</summary>
    internal void Run(Tensor[] inputs, Tensor output, FusedLayout layout)
    {
        int total = output.Numel;
        if (total == 0) return;
        var data = new Array[inputs.Length + 1];
        var offsets = new int[inputs.Length + 1];
        for (int i = 0; i < inputs.Length; i++)
        {
            data[i] = CpuData(inputs[i]);
            offsets[i] = inputs[i].Offset;
        }
        data[^1] = CpuData(output);
        offsets[^1] = output.Offset;
        var frame = new FusedFrame(data, offsets, layout, total, output.DType.SizeOf());
        if (!ElementwiseParallel.ShouldSplit(total))
        {
            _body(frame, 0, total);
            return;
        }
        int chunks = ElementwiseParallel.ChunkCount(total);
        CpuParallel.For(chunks, c =>
        {
            var (start, end) = ElementwiseParallel.ChunkRange(c, chunks, total);
            _body(frame, (int)start, (int)end);
        });
    }

    private static Array CpuData(Tensor t) => t.Storage is CpuStorage cpu
        ? cpu.Data
        : throw new InvalidOperationException($"fused_elementwise: expected CPU tensors, but one is on {t.Device}. Fused kernels are generated for the CPU only.");
}
