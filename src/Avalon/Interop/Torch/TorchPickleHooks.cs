using System.Text;
using Avalon.Backends;
using Avalon.Interop.Torch.Pickle;

namespace Avalon.Interop.Torch;

/// <summary>
/// The allow-list of <c>torch.load(weights_only=True)</c> for Avalon's restricted unpickler: the tensor
/// rebuild functions, the storage classes, <c>collections.OrderedDict</c>, <c>torch.Size</c>,
/// <c>torch.device</c>, <c>_codecs.encode</c> (how protocol 2 writes bytes) and <c>builtins</c>'
/// <c>set</c>, <c>frozenset</c> and <c>bytearray</c>. Any other global is an <see cref="InvalidDataException"/>
/// naming it. Storages are loaded through a callback, once per key, and shared by every tensor that views them;
/// without a callback nothing is loaded, and each tensor is a <see cref="TorchTensorRef"/> (storage and layout,
/// checked as a loaded tensor's are) for the lazy reader to read later.
/// </summary>
internal sealed class TorchPickleHooks(string source, Func<TorchStorageType, string, int, Array>? loadStorage) : IPickleHooks
{
    /// <summary>The globals that may appear in a weights-only pickle, besides the storage classes.</summary>
    public static readonly IReadOnlyList<string> AllowedGlobals =
    [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch.nn.parameter.Parameter",
        "torch.Size",
        "torch.device",
        "_codecs.encode",
        "builtins.set",
        "builtins.frozenset",
        "builtins.bytearray",
    ];

    private static readonly HashSet<string> s_allowed = [.. AllowedGlobals];

    private readonly Dictionary<string, TorchStorageRef> _storages = new(StringComparer.Ordinal);

    /// <summary>Every storage the pickle has referred to so far.</summary>
    public IEnumerable<TorchStorageRef> Storages => _storages.Values;

    public object ResolveGlobal(string module, string name)
    {
        string full = module + "." + name;
        if (module == "torch" && TorchStorageType.Find(name) is { } storage) return storage;
        if (module == "torch" && TorchStorageType.IsUnsupported(name))
            throw OpErrors.NotSupported("torch", $"{source}: the file holds a {full}, whose element type Avalon does not have (supported: float32, float64, float16 and bfloat16 as float32, int64, int32, int16/int8/uint8 as int32, bool).");
        if (!s_allowed.Contains(full))
            throw new InvalidDataException($"torch: {source}: unsupported global: GLOBAL {full} is not an allowed global (weights-only loading allows " +
                "tensors, storages, OrderedDict and plain values, as torch.load(weights_only=True) does; Avalon never runs code from a file).");
        return new PickleGlobal(module, name);
    }

    public object? PersistentLoad(object? id)
    {
        // ('storage', storage class, key, location, number of elements[, view metadata (legacy format)])
        if (id is not PickleTuple { Count: 5 or 6 } t || t[0] is not "storage")
            throw Corrupt($"a persistent id is {Describe(id)}; expected ('storage', type, key, location, size)");
        if (t[1] is not TorchStorageType type)
            throw Corrupt($"a storage's type is {Describe(t[1])}, not a storage class");
        if (t[2] is not string key || key.Length == 0 || key.Length > 64 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw Corrupt($"a storage key is {Describe(t[2])}; expected a short name of letters, digits and '_'");
        if (t[4] is not long numel || numel < 0)
            throw Corrupt($"storage '{key}' has size {Describe(t[4])}; expected a non-negative integer");
        if (numel > Array.MaxLength)
            throw Corrupt($"storage '{key}' holds {numel} elements, more than Avalon's limit of {Array.MaxLength}");
        if (t.Count == 6 && t[5] is not null)
            throw OpErrors.NotSupported("torch", $"{source}: storage '{key}' is a storage view of the format before PyTorch 0.4, which is not supported.");
        if (_storages.TryGetValue(key, out var known))
        {
            if (known.Type != type)
                throw Corrupt($"storage '{key}' is used as {known.Type.Name} and as {type.Name}");
            if (known.Numel != numel)
                throw Corrupt($"storage '{key}' is declared with {known.Numel} and with {numel} elements");
            return known;
        }
        var loaded = loadStorage is null ? null : Backend.For(Device.Cpu).FromHost(loadStorage(type, key, (int)numel), type.DType);
        var entry = new TorchStorageRef(type, key, (int)numel, loaded);
        _storages.Add(key, entry);
        return entry;
    }

    public object? Call(object? callable, object?[] arguments)
    {
        if (callable is not PickleGlobal g)
            throw Corrupt($"the pickle calls {Describe(callable)}, which is not callable");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
            {
                var dict = new PickleDict();
                if (arguments.Length == 0) return dict;
                if (arguments is [List<object?> pairs])
                {
                    foreach (var pair in pairs)
                    {
                        if (pair is not PickleTuple { Count: 2 } kv || kv[0] is null) throw Corrupt("OrderedDict's argument is not a list of (key, value) pairs");
                        dict[kv[0]!] = kv[1];
                    }
                    return dict;
                }
                throw Corrupt($"OrderedDict called with {arguments.Length} arguments");
            }
            case "torch._utils._rebuild_tensor_v2" when arguments.Length is 6 or 7:
            case "torch._utils._rebuild_tensor" when arguments.Length == 4:
                return RebuildTensor(arguments[0], arguments[1], arguments[2], arguments[3]);
            case "torch._utils._rebuild_parameter" when arguments.Length == 3:
            case "torch._utils._rebuild_parameter_with_state" when arguments.Length == 4:
            case "torch.nn.parameter.Parameter" when arguments.Length is 1 or 2:
                return arguments[0] is Tensor or TorchTensorRef ? arguments[0] : throw Corrupt($"{g.FullName} gets {Describe(arguments[0])}, not a tensor");
            case "torch.Size" when arguments is [PickleTuple sizes]:
                return sizes;
            case "torch.device" when arguments is [string] or [string, long]:
                return arguments[0];
            case "_codecs.encode" when arguments is [string text, string encoding]:
                return encoding is "latin1" or "latin-1"
                    ? Encoding.Latin1.GetBytes(text)
                    : throw Corrupt($"_codecs.encode with encoding '{encoding}' (expected latin1)");
            case "builtins.set" or "builtins.frozenset":
            {
                var set = new PickleSet();
                if (arguments is [List<object?> items]) foreach (var item in items) set.Add(item ?? throw Corrupt("a set holds None"));
                else if (arguments.Length != 0) throw Corrupt($"{g.FullName} called with {arguments.Length} arguments");
                return set;
            }
            case "builtins.bytearray" when arguments.Length == 0:
                return Array.Empty<byte>();
            case "builtins.bytearray" when arguments is [byte[] bytes]:
                return bytes;
            default:
                throw Corrupt($"{g.FullName} is called with {arguments.Length} arguments ({string.Join(", ", arguments.Select(Describe))}), which a weights-only file never does");
        }
    }

    public object? Build(object? target, object? state)
    {
        // An OrderedDict's attributes (a state dict's _metadata) and a tensor's Python attributes carry no tensor data.
        if (target is PickleDict or Tensor or TorchTensorRef) return target;
        throw Corrupt($"BUILD on a {Describe(target)}, which a weights-only file never does");
    }

    private object RebuildTensor(object? storageValue, object? offsetValue, object? sizeValue, object? strideValue)
    {
        if (storageValue is not TorchStorageRef storage)
            throw Corrupt($"a tensor is rebuilt from {Describe(storageValue)}, not a storage");
        if (offsetValue is not long offset || offset < 0 || offset > int.MaxValue)
            throw Corrupt($"a tensor has storage offset {Describe(offsetValue)}; expected a non-negative integer");
        var shape = Dims(sizeValue, "size");
        var strides = Dims(strideValue, "stride");
        if (shape.Length != strides.Length)
            throw Corrupt($"a tensor has {shape.Length} sizes but {strides.Length} strides");
        long last = offset, numel = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            numel *= shape[d];
            if (numel > int.MaxValue) throw Corrupt($"a tensor of shape [{string.Join(", ", shape)}] has more elements than Avalon's limit of {int.MaxValue}");
            if (shape[d] > 0) last += (long)(shape[d] - 1) * strides[d];
        }
        if (numel > 0 && last >= storage.Numel)
            throw Corrupt($"a tensor of shape [{string.Join(", ", shape)}], strides [{string.Join(", ", strides)}] and offset {offset} reaches element {last} of a storage of {storage.Numel}");
        int first = numel == 0 ? 0 : (int)offset;
        return storage.Loaded is { } loaded ? Tensor.OverStorage(loaded, shape, strides, first) : new TorchTensorRef(storage, shape, strides, first);
    }

    private int[] Dims(object? value, string what)
    {
        if (value is not PickleTuple t || t.Count > 64)
            throw Corrupt($"a tensor's {what} is {Describe(value)}; expected a tuple of at most 64 integers");
        var dims = new int[t.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (t[i] is not long v || v < 0 || v > int.MaxValue)
                throw Corrupt($"a tensor's {what} holds {Describe(t[i])}; expected integers from 0 to {int.MaxValue}");
            dims[i] = (int)v;
        }
        return dims;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{(s.Length > 40 ? s[..40] + "..." : s)}'",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PickleGlobal g => g.FullName,
        TorchStorageType t => "torch." + t.Name,
        PickleTuple t => t.Count <= 8 ? "(" + string.Join(", ", t.Select(Describe)) + ")" : $"a tuple of {t.Count}",
        _ => "a " + value.GetType().Name,
    };

    private InvalidDataException Corrupt(string problem) => new($"torch: {source}: {problem}.");
}

/// <summary>A storage of a pickle: its class, key and element count, and its elements when they were loaded.</summary>
internal sealed record TorchStorageRef(TorchStorageType Type, string Key, int Numel, Storage? Loaded);

/// <summary>A tensor of a pickle whose storage was not loaded: the storage and the layout over it, already checked to lie inside it.</summary>
internal sealed record TorchTensorRef(TorchStorageRef Storage, int[] Shape, int[] Strides, int Offset)
{
    /// <summary>The first and one past the last storage element the layout reaches (an empty range for an empty tensor).</summary>
    public (int Begin, int End) Extent
    {
        get
        {
            long last = Offset;
            for (int d = 0; d < Shape.Length; d++)
            {
                if (Shape[d] == 0) return (0, 0);
                last += (long)(Shape[d] - 1) * Strides[d];
            }
            return (Offset, (int)last + 1);
        }
    }

    /// <summary>True when the layout is row-major with no gaps, so the elements are storage elements [Offset, Offset + numel) in order.</summary>
    public bool IsContiguous => ShapeUtil.IsContiguous(Shape, Strides);
}
