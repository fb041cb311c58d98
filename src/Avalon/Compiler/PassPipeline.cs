using System.Diagnostics;
using Avalon.Autodiff;
using Avalon.Compiler.Fusion;
using Avalon.Compiler.Passes;

namespace Avalon.Compiler;

/// <summary>
/// An ordered list of named passes run one after the other on a tape. The default pipeline is
/// <see cref="Default"/>; passes can be switched off by name (<see cref="Disable"/>, or
/// <see cref="CompileOptions.DisabledPasses"/>) and user passes added anywhere (<see cref="Add"/>,
/// <see cref="InsertBefore"/>, <see cref="InsertAfter"/>). With <c>AVALON_DEBUG=1</c> each pass logs
/// its op counts before and after and its time; with 2 the tape is printed before the first pass and
/// after each one.
/// </summary>
public sealed class PassPipeline
{
    private readonly List<ITapePass> _passes = [];
    private readonly HashSet<string> _disabled = new(StringComparer.Ordinal);

    /// <summary>A pipeline of the given passes, in order.</summary>
    /// <exception cref="ArgumentException">Two passes share a name.</exception>
    public PassPipeline(params ITapePass[] passes)
    {
        ArgumentNullException.ThrowIfNull(passes);
        foreach (var pass in passes) Add(pass);
    }

    /// <summary>
    /// The default passes: <c>algebraic_simplification</c>, <c>matmul_transpose</c>, <c>constant_folding</c>,
    /// <c>common_subexpressions</c>, <c>pool_mask</c>, <c>dead_code</c>, then <c>elementwise_fusion</c>,
    /// <c>epilogue_fusion</c> (after the simplifications, which see the unfused calls), <c>pool_fusion</c> and
    /// <c>in_place_elementwise</c>.
    /// </summary>
    public static PassPipeline Default() =>
        new(new AlgebraicSimplification(), new TransposedProductFolding(), new ConstantFolding(), new CommonSubexpressionElimination(), new PooledMaskGradient(), new DeadCodeElimination(),
            new ElementwiseFusion(), new EpilogueFusion(), new ConvPoolFusion(), new InPlaceElementwise());

    /// <summary>The passes in the order they run (disabled ones included).</summary>
    public IReadOnlyList<ITapePass> Passes => _passes;

    /// <summary>The names of the passes switched off with <see cref="Disable"/>.</summary>
    public IReadOnlyCollection<string> Disabled => _disabled;

    /// <summary>Appends a pass.</summary>
    /// <exception cref="ArgumentException">A pass of that name is already in the pipeline.</exception>
    public PassPipeline Add(ITapePass pass)
    {
        Insert(_passes.Count, pass);
        return this;
    }

    /// <summary>Inserts <paramref name="pass"/> before the pass named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No pass has that name, or the new pass's name is taken.</exception>
    public PassPipeline InsertBefore(string name, ITapePass pass)
    {
        Insert(IndexOf(name, nameof(InsertBefore)), pass);
        return this;
    }

    /// <summary>Inserts <paramref name="pass"/> after the pass named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No pass has that name, or the new pass's name is taken.</exception>
    public PassPipeline InsertAfter(string name, ITapePass pass)
    {
        Insert(IndexOf(name, nameof(InsertAfter)) + 1, pass);
        return this;
    }

    /// <summary>Switches off the pass named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No pass has that name.</exception>
    public PassPipeline Disable(string name)
    {
        IndexOf(name, nameof(Disable));
        _disabled.Add(name);
        return this;
    }

    /// <summary>Switches a disabled pass back on.</summary>
    public PassPipeline Enable(string name)
    {
        _disabled.Remove(name);
        return this;
    }

    /// <summary>Whether a pass of that name is in the pipeline.</summary>
    public bool Contains(string name) => _passes.Exists(p => p.Name == name);

    /// <summary>
    /// Runs every enabled pass (not disabled here nor in the context's options) in order and returns the
    /// last tape; validates after each pass when <see cref="CompileOptions.ValidateAfterEachPass"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A pass returned an invalid tape (the message names the pass).</exception>
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        if (options.DebugLevel >= 2) context.Log(2, $"--- tape before the passes ({CallCount(tape)} calls) ---\n{tape}");
        var total = Stopwatch.StartNew();
        foreach (var pass in _passes)
        {
            if (_disabled.Contains(pass.Name) || options.DisabledPasses.Contains(pass.Name))
            {
                context.Log(1, $"pass {pass.Name}: disabled");
                continue;
            }
            int before = CallCount(tape);
            var watch = Stopwatch.StartNew();
            var result = pass.Run(tape, context) ?? throw new InvalidOperationException($"pass {pass.Name}: returned no tape.");
            watch.Stop();
            if (options.ValidateAfterEachPass)
            {
                try { result.Validate(); }
                catch (InvalidOperationException e)
                {
                    throw new InvalidOperationException($"pass {pass.Name}: produced an invalid tape. {e.Message}", e);
                }
                if (result.Inputs.Count != tape.Inputs.Count || result.Outputs.Count != tape.Outputs.Count)
                    throw new InvalidOperationException(
                        $"pass {pass.Name}: changed the tape's signature ({tape.Inputs.Count} inputs, {tape.Outputs.Count} outputs before; {result.Inputs.Count} and {result.Outputs.Count} after).");
            }
            context.Log(1, $"pass {pass.Name}: {before} → {CallCount(result)} calls, {watch.Elapsed.TotalMilliseconds:F2} ms");
            if (options.DebugLevel >= 2) context.Log(2, $"--- tape after {pass.Name} ---\n{result}");
            tape = result;
        }
        context.Log(1, $"passes: {total.Elapsed.TotalMilliseconds:F2} ms in all");
        return tape;
    }

    /// <summary>The number of primitive calls on a tape (what the debug log counts).</summary>
    public static int CallCount(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int n = 0;
        foreach (var op in tape.Ops)
            if (op is CallOp) n++;
        return n;
    }

    private int IndexOf(string name, string caller)
    {
        int i = _passes.FindIndex(p => p.Name == name);
        if (i < 0)
            throw new ArgumentException($"PassPipeline.{caller}: no pass named '{name}'; the pipeline has {string.Join(", ", _passes.Select(p => p.Name))}.", nameof(name));
        return i;
    }

    private void Insert(int index, ITapePass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (string.IsNullOrEmpty(pass.Name)) throw OpErrors.Argument("PassPipeline", "a pass needs a name.", nameof(pass));
        if (Contains(pass.Name)) throw OpErrors.Argument("PassPipeline", $"a pass named '{pass.Name}' is already in the pipeline.", nameof(pass));
        _passes.Insert(index, pass);
    }
}
