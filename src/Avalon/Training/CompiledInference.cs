using Avalon.Compiler;
using Avalon.Nn;

namespace Avalon.Training;

/// <summary>
/// The forward of <c>Predict</c>: the model compiled for inference (<see cref="Compiler.Compiler.Compile(Module, CompileOptions?, bool)"/>,
/// one trace per batch shape, outputs copied out of the arena), or the eager forward once compiling has
/// failed (a model that reads values on the host, say), after one line on standard error. Used only for
/// more than one batch: a single forward gains nothing from being compiled.
/// </summary>
internal sealed class CompiledInference
{
    private readonly Module _model;
    private CompiledFunction? _compiled;

    // The one-input argument array, reused by every call (the compiled call itself allocates nothing).
    private readonly Tensor[] _arguments = new Tensor[1];

    private readonly string _operation;

    /// <param name="model">The model.</param>
    /// <param name="compile">Whether to compile (false: always eager).</param>
    /// <param name="operation">Who runs it, for the fallback notice (<c>Predict</c>, <c>Fit's validation</c>).</param>
    public CompiledInference(Module model, bool compile, string operation = "Predict")
    {
        _model = model;
        _operation = operation;
        _compiled = compile ? Compiler.Compiler.Compile(model, new CompileOptions { CopyOutputs = true }) : null;
    }

    /// <summary>The model's output for <paramref name="input"/>.</summary>
    public Tensor Forward(Tensor input)
    {
        if (_compiled is null) return _model.Forward(input);
        try
        {
            _arguments[0] = input;
            return _compiled.Invoke(_arguments)[0];
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException)
        {
            // An inference forward changes no state, so running it again eagerly is safe.
            _compiled = null;
            int end = ex.Message.IndexOf('\n');
            Console.Error.WriteLine($"{_operation}: compiled forward unavailable ({(end < 0 ? ex.Message : ex.Message[..end]).TrimEnd('.')}); running eagerly");
            return _model.Forward(input);
        }
        finally
        {
            _arguments[0] = null!;   // the batch is not kept alive past the call
        }
    }
}
