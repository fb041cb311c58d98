using Avalon.Autodiff;
using Avalon.Compiler.Execution;
using Avalon.Nn;

namespace Avalon.Compiler;

/// <summary>
/// The compiler's entry points: <see cref="Optimize"/> runs the pass pipeline on a tape,
/// <see cref="Prepare"/> plans its memory and makes it a <see cref="CompiledTape"/>, and
/// <see cref="Compile(Func{Tensor[], Tensor[]}, CompileOptions?, bool)"/> turns a function (or a model's
/// forward) into one traced, optimised and planned once per input signature.
/// </summary>
/// <remarks>
/// The static-graph assumption: a compiled function is the tape recorded on the first call with a given
/// signature, so its control flow is frozen at trace time (as in JAX or Yota): an <c>if</c> or loop count
/// that depends on a tensor's values, a value read with <c>Item()</c> and used as a number, or a Python-
/// style side effect happens as it did during the trace. Reading a traced tensor on the host while
/// tracing is detected and refused (<see cref="CompileOptions.OnDataDependentTrace"/>). What the
/// signature covers: input shapes, dtypes and devices, and for a model its training mode and the identity
/// of its parameters and buffers; a change re-traces. Captured tensors are read when the code runs, so
/// updating them in place (an optimiser step) is seen; replacing a captured object by another is not.
/// Pass <c>dynamic: true</c> to trace every call instead (eager semantics, no reuse).
/// </remarks>
public static class Compiler
{
    /// <summary>Runs the pass pipeline (<see cref="CompileOptions.Pipeline"/>, else the default) on <paramref name="tape"/>.</summary>
    public static Tape Optimize(Tape tape, CompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tape);
        options ??= new CompileOptions();
        var pipeline = options.Pipeline ?? PassPipeline.Default();
        return pipeline.Run(tape, new PassContext(options));
    }

    /// <summary>Optimises <paramref name="tape"/> and prepares it to run over a memory plan.</summary>
    public static CompiledTape Prepare(Tape tape, CompileOptions? options = null)
    {
        options ??= new CompileOptions();
        return new CompiledTape(Optimize(tape, options), options.CopyOutputs, new PassContext(options));
    }

    /// <summary>
    /// Compiles a function of tensors: traced on the first call of each input signature, optimised,
    /// planned and then run by a <see cref="CompiledTape"/> (see the remarks on <see cref="Compiler"/>).
    /// </summary>
    /// <param name="function">The function; it must return the same number of tensors on every call.</param>
    /// <param name="options">Compile options (null: defaults).</param>
    /// <param name="dynamic">Trace every call instead of reusing a compiled tape.</param>
    public static CompiledFunction Compile(Func<Tensor[], Tensor[]> function, CompileOptions? options = null, bool dynamic = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new CompiledFunction(function, null, options ?? new CompileOptions(), dynamic);
    }

    /// <summary>
    /// Compiles a model's forward for inference (<c>model.Forward(x)</c>); the signature includes the
    /// model's training mode and the identity of its parameters and buffers.
    /// </summary>
    public static CompiledFunction Compile(Module model, CompileOptions? options = null, bool dynamic = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new CompiledFunction(x => [model.Forward(x[0])], model, options ?? new CompileOptions(), dynamic);
    }

    /// <summary>Records <paramref name="function"/> on <paramref name="inputs"/>; returns the tape and the outputs of the traced (eager) run.</summary>
    internal static (Tape Tape, Tensor[] Outputs) Trace(Func<Tensor[], Tensor[]> function, Tensor[] inputs, CompileOptions options, bool dynamic = false)
    {
        var tape = new Tape();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (tape.Tracks(inputs[i]))
                throw OpErrors.Argument("Compile", $"input {i} is the same tensor as an earlier input; pass distinct tensors.");
            tape.AddInput(inputs[i], "x" + i);
        }
        Tensor[] outputs;
        Recorder.Push(tape);
        try { outputs = function(inputs); }
        finally { Recorder.Pop(tape); }
        ArgumentNullException.ThrowIfNull(outputs);
        tape.SetOutputs(outputs.Select(tape.IdOrConstant).ToArray());
        if (tape.HostReads.Count > 0 && !dynamic)
        {
            string message = $"Compile: the traced function read {tape.HostReads.Count} traced value(s) on the host ({string.Join("; ", tape.HostReads.Take(3))}), " +
                "so its control flow may depend on the data, which a compiled tape does not follow. Keep the computation in tensor operations, " +
                "compile with dynamic: true, or set CompileOptions.OnDataDependentTrace to Warn or Ignore.";
            if (options.OnDataDependentTrace == DataDependencePolicy.Refuse) throw new InvalidOperationException(message);
            if (options.OnDataDependentTrace == DataDependencePolicy.Warn) options.DebugWriter.WriteLine("warning: " + message);
        }
        return (tape, outputs);
    }
}
