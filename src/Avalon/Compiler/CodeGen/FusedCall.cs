using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Elementwise;
using Avalon.Compiler.Fusion;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// One fused call prepared for given tensors: its layout, its generated kernel, its frame and the chunk
/// delegate of its parallel loop, made once. A planned executor passes the same tensor objects on
/// every run, so a fused primitive keeps the last <see cref="FusedCall"/> and runs it again while
/// <see cref="Matches"/> holds: a run then allocates nothing (beyond the thread pool's loop bookkeeping
/// when the output is large enough to be split). A tensor's storage, offset, shape and strides never
/// change, so the tensors' identities decide whether the prepared layout still applies.
/// </summary>
internal sealed class FusedCall
{
    private readonly Tensor[] _operands;
    private readonly Tensor _output;
    private readonly FusedKernel _kernel;
    private readonly FusedFrame _frame;
    private readonly int _total;
    private readonly int _chunks;
    private readonly Action<int> _chunk;

    private FusedCall(Tensor[] operands, Tensor output, FusedKernel kernel, FusedFrame frame)
    {
        _operands = operands;
        _output = output;
        _kernel = kernel;
        _frame = frame;
        _total = output.Numel;
        _chunks = ElementwiseParallel.ShouldSplit(_total) ? ElementwiseParallel.ChunkCount(_total) : 1;
        _chunk = RunChunk;
    }

    /// <summary>The generated kernel this call runs.</summary>
    public FusedKernel Kernel => _kernel;

    /// <summary>Prepares <paramref name="expression"/> over <paramref name="operands"/> (copied) into the dense <paramref name="output"/>.</summary>
    public static FusedCall Prepare(FusedExpression expression, Tensor[] operands, Tensor output)
    {
        var layout = FusedLayout.Of(operands, output.Shape.Dims, expression.ElementType);
        return Create(FusedKernelCache.Get(expression, layout, VectorWidths.Best), layout, operands, output);
    }

    /// <summary>Prepares a given kernel generated for <paramref name="layout"/>, the layout of <paramref name="operands"/> against <paramref name="output"/>.</summary>
    public static FusedCall Create(FusedKernel kernel, FusedLayout layout, Tensor[] operands, Tensor output)
    {
        int k = operands.Length;
        var data = new Array[k + 1];
        var offsets = new int[k + 1];
        for (int i = 0; i < k; i++)
        {
            data[i] = CpuData(operands[i]);
            offsets[i] = operands[i].Offset;
        }
        data[k] = CpuData(output);
        offsets[k] = output.Offset;
        var frame = new FusedFrame(data, offsets, layout, output.Numel, output.DType.SizeOf());
        return new FusedCall((Tensor[])operands.Clone(), output, kernel, frame);
    }

    /// <summary>Whether this call was prepared for exactly these tensor objects.</summary>
    public bool Matches(Tensor[] operands, Tensor output)
    {
        if (!ReferenceEquals(output, _output) || operands.Length != _operands.Length) return false;
        for (int i = 0; i < operands.Length; i++)
            if (!ReferenceEquals(operands[i], _operands[i])) return false;
        return true;
    }

    /// <summary>
    /// Whether this call was prepared for these tensors with the operand at <paramref name="skip"/> being
    /// the output (an epilogue's product), the others being <paramref name="others"/> in order.
    /// </summary>
    public bool MatchesWithOutputAt(int skip, Tensor[] others, int othersStart, Tensor output)
    {
        if (!ReferenceEquals(output, _output) || others.Length - othersStart != _operands.Length - 1) return false;
        for (int i = 0, j = othersStart; i < _operands.Length; i++)
        {
            if (i == skip) continue;
            if (!ReferenceEquals(others[j++], _operands[i])) return false;
        }
        return true;
    }

    /// <summary>Runs the kernel over the whole output, split into the fixed chunks of <see cref="ElementwiseParallel"/> when large.</summary>
    public void Run()
    {
        if (_total == 0) return;
        if (_chunks <= 1) _kernel.Body(_frame, 0, _total);
        else CpuParallel.For(_chunks, _chunk);
    }

    /// <summary>Runs the kernel over output elements [<paramref name="start"/>, <paramref name="end"/>) on the calling thread; disjoint ranges may run concurrently.</summary>
    public void RunRange(int start, int end) => _kernel.Body(_frame, start, end);

    private void RunChunk(int c)
    {
        var (start, end) = ElementwiseParallel.ChunkRange(c, _chunks, _total);
        _kernel.Body(_frame, (int)start, (int)end);
    }

    private static Array CpuData(Tensor t) => t.Storage is CpuStorage cpu
        ? cpu.Data
        : throw new InvalidOperationException($"fused_elementwise: expected CPU tensors, but one is on {t.Device}. Fused kernels are generated for the CPU only.");
}
