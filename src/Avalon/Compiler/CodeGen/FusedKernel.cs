using Avalon.Backends.Cpu.Elementwise;
using Avalon.Compiler.Fusion;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// One generated CPU kernel: the compiled loop of a fused expression for one layout kind and vector
/// width, with its readable listing (<see cref="Dump"/>). <see cref="FusedCall"/> runs it, splitting
/// large outputs into the fixed chunks of <see cref="ElementwiseParallel"/>, so the result does not
/// depend on the thread count.
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

    /// <summary>The compiled loop over output elements [start, end).</summary>
    internal Action<FusedFrame, int, int> Body => _body;
}
