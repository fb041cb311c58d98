using Avalon.Nn;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>
/// One registered way to build a module: its factory, its sample calls, how to call it, and the generic
/// checks that do not apply to it (each with the reason).
/// </summary>
internal sealed class ModuleEntry
{
    private readonly Dictionary<ModuleCheck, string> _notApplicable = [];

    private ModuleEntry(string name, Type type, Func<Generator?, Module> create, bool usesGenerator)
    {
        Name = name;
        Type = type;
        TorchName = type.Name;
        Create = create;
        UsesGenerator = usesGenerator;
        Call = (m, x) => m.Forward(x[0]);
    }

    /// <summary>A unique name for the entry, used as the theory data (e.g. <c>Conv2d(groups=2)</c>).</summary>
    public string Name { get; }

    /// <summary>The module type built.</summary>
    public Type Type { get; }

    /// <summary>PyTorch's class name, with which <c>ToString()</c> must start.</summary>
    public string TorchName { get; private set; }

    /// <summary>Builds the module; entries with <see cref="UsesGenerator"/> pass the generator to every random initialisation or mask.</summary>
    public Func<Generator?, Module> Create { get; }

    /// <summary>Whether <see cref="Create"/> hands its generator to the module (otherwise it draws from <see cref="Generator.Default"/>, if at all).</summary>
    public bool UsesGenerator { get; }

    /// <summary>Whether the output in training mode is random (dropout): such entries are reseeded before every call.</summary>
    public bool RandomInTraining { get; private set; }

    /// <summary>Calls the module on the sample's inputs (<c>Forward(x[0])</c> unless the module takes several).</summary>
    public Func<Module, Tensor[], Tensor> Call { get; private set; }

    /// <summary>For a module with several outputs: calls it and returns each output; <see cref="Call"/> then concatenates them flattened.</summary>
    public Func<Module, Tensor[], Tensor[]>? CallMany { get; private set; }

    /// <summary>The sample calls.</summary>
    public IReadOnlyList<ModuleSample> Samples { get; private set; } = [];

    /// <summary>Creates an entry whose factory takes a generator (passed to the constructor).</summary>
    public static ModuleEntry Seeded<T>(string name, Func<Generator?, T> create) where T : Module =>
        new(name, typeof(T), g => create(g), usesGenerator: true);

    /// <summary>Creates an entry whose constructor takes no generator.</summary>
    public static ModuleEntry Plain<T>(string name, Func<T> create) where T : Module =>
        new(name, typeof(T), _ => create(), usesGenerator: false);

    /// <summary>Sets the sample calls.</summary>
    public ModuleEntry With(params ModuleSample[] samples)
    {
        Samples = samples;
        return this;
    }

    /// <summary>Sets how the module is called, for modules whose Forward takes several inputs.</summary>
    public ModuleEntry Calling<T>(Func<T, Tensor[], Tensor> call) where T : Module
    {
        Call = (m, x) => call((T)m, x);
        return this;
    }

    /// <summary>
    /// Sets how a module with several outputs is called (an RNN's output and h_n): the generic tests see
    /// the outputs flattened and concatenated into one vector, and the forward test checks each output's
    /// shape against <see cref="ModuleSample.OutputShapes"/>.
    /// </summary>
    public ModuleEntry CallingMany<T>(Func<T, Tensor[], Tensor[]> call) where T : Module
    {
        CallMany = (m, x) => call((T)m, x);
        Call = (m, x) => Tensor.Cat(CallMany(m, x).Select(t => t.Reshape(-1)).ToArray(), 0);
        return this;
    }

    /// <summary>Marks the output in training mode as random (see <see cref="RandomInTraining"/>).</summary>
    public ModuleEntry Random()
    {
        RandomInTraining = true;
        return this;
    }

    /// <summary>Overrides the PyTorch type name when it differs from the C# class name.</summary>
    public ModuleEntry Torch(string torchName)
    {
        TorchName = torchName;
        return this;
    }

    /// <summary>Marks a check as not applicable to this entry, with the reason.</summary>
    public ModuleEntry NotApplicable(ModuleCheck check, string reason)
    {
        _notApplicable[check] = reason;
        return this;
    }

    /// <summary>Why <paramref name="check"/> does not apply, or null when it does.</summary>
    public string? NotApplicableReason(ModuleCheck check) => _notApplicable.GetValueOrDefault(check);

    /// <summary>
    /// Calls the module; a random module first gets a generator with a fixed seed, so that repeated calls
    /// (eager and traced, or perturbed by finite differences) draw the same masks.
    /// </summary>
    public Tensor Run(Module module, Tensor[] inputs)
    {
        if (RandomInTraining) Reseed(module);
        return Call(module, inputs);
    }

    /// <summary>Calls a multi-output module (reseeded like <see cref="Run"/>) and returns every output.</summary>
    public Tensor[] RunMany(Module module, Tensor[] inputs)
    {
        if (CallMany is null) throw new InvalidOperationException($"{Name}: not a multi-output entry.");
        if (RandomInTraining) Reseed(module);
        return CallMany(module, inputs);
    }

    /// <summary>Gives every random submodule (dropout, attention dropout, and the recurrent layers' inter-layer dropout) a fresh generator with a fixed seed.</summary>
    public static void Reseed(Module module)
    {
        foreach (var m in module.Modules())
        {
            if (m is Dropout d) d.Generator = new Generator(1234);
            else if (m is MultiheadAttention a) a.Generator = new Generator(1234);
            else if (m is RNNBase r) r.Generator = new Generator(1234);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
