using Avalon.Compiler.Execution;
using Avalon.Nn;
using Avalon.Primitives;

namespace Avalon.Compiler;

/// <summary>
/// A compiled function (<see cref="Compiler.Compile(Func{Tensor[], Tensor[]}, CompileOptions?, bool)"/>):
/// a cache of <see cref="CompiledTape"/>s by input signature. The first call with a signature traces the
/// function (that call's results are the traced run's), optimises and plans the tape; later calls run it.
/// Outputs are valid until the next call unless <see cref="CompileOptions.CopyOutputs"/>.
/// </summary>
public sealed class CompiledFunction
{
    private readonly Func<Tensor[], Tensor[]> _function;
    private readonly Module? _model;
    private readonly CompileOptions _options;
    private readonly bool _dynamic;
    private readonly Dictionary<Signature, CompiledTape> _cache = [];

    // The last call's signature, its model's identity and its tape: a call whose inputs and model still
    // match runs that tape without building a signature (the steady state of a prediction loop).
    private Signature? _lastSignature;
    private ModuleIdentity? _lastIdentity;
    private CompiledTape? _lastTape;

    internal CompiledFunction(Func<Tensor[], Tensor[]> function, Module? model, CompileOptions options, bool dynamic)
    {
        _function = function;
        _model = model;
        _options = options;
        _dynamic = dynamic;
    }

    /// <summary>How many times a call traced the function (once per signature; every call when dynamic).</summary>
    public int TraceCount { get; private set; }

    /// <summary>The compiled tapes by signature, as many as signatures seen.</summary>
    public int CacheSize => _cache.Count;

    /// <summary>The compiled tape the last call ran or built (null before the first call, and when dynamic).</summary>
    public CompiledTape? LastCompiled { get; private set; }

    /// <summary>Calls the function (compiled for the inputs' signature).</summary>
    /// <exception cref="ArgumentException">The inputs do not fit the function (as its eager call would say).</exception>
    public Tensor[] Invoke(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_dynamic)
        {
            TraceCount++;
            return Compiler.Trace(_function, inputs, _options, dynamic: true).Outputs;
        }
        if (_lastTape is not null && _lastSignature!.HasSpecsOf(inputs) && (_model is null || _lastIdentity!.Matches(_model)))
            return _lastTape.Run(inputs);
        var signature = new Signature(inputs, _model);
        // Captured with the signature, before a trace could change the model (a lazily built layer).
        var identity = _model is null ? null : ModuleIdentity.Capture(_model);
        if (_cache.TryGetValue(signature, out var compiled))
        {
            Remember(signature, identity, compiled);
            return compiled.Run(inputs);
        }
        TraceCount++;
        var (tape, outputs) = Compiler.Trace(_function, inputs, _options);
        compiled = Compiler.Prepare(tape, _options);
        _cache[signature] = compiled;
        Remember(signature, identity, compiled);
        return outputs;
    }

    private void Remember(Signature signature, ModuleIdentity? identity, CompiledTape compiled)
    {
        LastCompiled = compiled;
        _lastSignature = signature;
        _lastIdentity = identity;
        _lastTape = compiled;
    }

    /// <summary>What a compiled tape is valid for: the inputs' specs and, for a model, its mode and its tensors' identities.</summary>
    private sealed class Signature : IEquatable<Signature>
    {
        private readonly TensorSpec[] _specs;
        private readonly bool _training;
        private readonly object[] _state;
        private readonly int _hash;

        public Signature(Tensor[] inputs, Module? model)
        {
            _specs = Array.ConvertAll(inputs, x => x.Spec);
            _training = model?.Training ?? false;
            _state = model is null ? [] : [.. model.NamedParameters().Select(p => (object)p.Value), .. model.NamedBuffers().Select(b => (object)b.Value)];
            var h = new HashCode();
            foreach (var s in _specs) h.Add(s);
            h.Add(_training);
            foreach (var t in _state) h.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(t));
            _hash = h.ToHashCode();
        }

        public bool Equals(Signature? other)
        {
            if (other is null || other._hash != _hash || other._training != _training) return false;
            if (!other._specs.AsSpan().SequenceEqual(_specs) || other._state.Length != _state.Length) return false;
            for (int i = 0; i < _state.Length; i++)
                if (!ReferenceEquals(_state[i], other._state[i])) return false;
            return true;
        }

        /// <summary>Whether <paramref name="inputs"/> have this signature's shapes, dtypes and devices (compared without building specs).</summary>
        public bool HasSpecsOf(Tensor[] inputs)
        {
            if (inputs.Length != _specs.Length) return false;
            for (int i = 0; i < inputs.Length; i++)
            {
                var x = inputs[i];
                if (x is null || x.Shape != _specs[i].Shape || x.DType != _specs[i].DType || x.Device != _specs[i].Device) return false;
            }
            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as Signature);

        public override int GetHashCode() => _hash;
    }
}
