namespace Avalon.Primitives;

/// <summary>
/// The attributes a primitive takes, declared once beside the primitive: names, types and defaults.
/// <see cref="Primitive.Invoke"/> validates every call against it (unknown names, missing required
/// attributes and values of the wrong type are errors naming the primitive) and fills in defaults, so
/// two calls that mean the same thing carry equal <see cref="Attributes"/>.
/// </summary>
public sealed class AttributeSchema
{
    private readonly AttributeSpec[] _specs;

    /// <summary>A primitive that takes no attributes.</summary>
    public static readonly AttributeSchema None = new([]);

    private AttributeSchema(AttributeSpec[] specs)
    {
        for (int i = 0; i < specs.Length; i++)
            for (int j = 0; j < i; j++)
                if (specs[i].Name == specs[j].Name)
                    throw OpErrors.Argument("AttributeSchema", $"'{specs[i].Name}' is declared twice.");
        _specs = specs;
    }

    /// <summary>A schema of the given attributes.</summary>
    public static AttributeSchema Of(params AttributeSpec[] specs) => specs.Length == 0 ? None : new(specs);

    /// <summary>The declared attributes, in declaration order.</summary>
    public IReadOnlyList<AttributeSpec> Specs => _specs;

    /// <summary>
    /// Checks <paramref name="attributes"/> against the schema and returns them with defaults filled in;
    /// throws an <see cref="ArgumentException"/> naming <paramref name="op"/> otherwise.
    /// </summary>
    public Attributes Validate(string op, Attributes attributes)
    {
        if (ReferenceEquals(attributes.ValidatedBy, this)) return attributes;
        // A set validated for this schema before (a call site that reuses its attributes, or no
        // attributes at all) gives its cached validated form: no work and no allocation per call.
        if (attributes.Count == 0 && _validatedEmpty is { } empty) return empty;
        if (attributes.LastValidation is { } last && ReferenceEquals(last.Schema, this)) return last.Result;
        var result = ValidateUncached(op, attributes);
        if (attributes.Count == 0) _validatedEmpty = result;
        else if (!ReferenceEquals(result, attributes)) attributes.LastValidation = new AttributeValidation(this, result);
        return result;
    }

    // The validated form of Attributes.Empty (defaults only), once it has been validated.
    private Attributes? _validatedEmpty;

    private Attributes ValidateUncached(string op, Attributes attributes)
    {
        foreach (var kv in attributes.Items)
        {
            var spec = Find(kv.Key)
                ?? throw OpErrors.Argument(op,
                    $"unknown attribute '{kv.Key}'. It takes: {(_specs.Length == 0 ? "no attributes" : string.Join(", ", _specs.Select(s => s.ToString())))}.");
            if (!Fits(spec.Type, kv.Value))
                throw OpErrors.Argument(op,
                    $"attribute '{kv.Key}' must be {Describe(spec.Type)}, but it is {Attributes.TypeName(kv.Value)} ({Attributes.FormatValue(kv.Value)}).");
        }
        var result = attributes;
        foreach (var spec in _specs)
        {
            if (result.Has(spec.Name)) continue;
            if (spec.Default is not null) result = result.With(spec.Name, spec.Default);
            else if (!spec.Optional)
                throw OpErrors.Argument(op, $"the required attribute '{spec.Name}' ({Describe(spec.Type)}) is missing.");
        }
        foreach (var spec in _specs)
            if (spec.Type == AttributeType.Double && result.TryGetRaw(spec.Name, out var value) && value is long l)
                result = result.With(spec.Name, (double)l);
        // The shared empty set is not marked (a schema caches its own validated form of it instead).
        if (!ReferenceEquals(result, Attributes.Empty)) result.ValidatedBy = this;
        return result;
    }

    private AttributeSpec? Find(string name)
    {
        foreach (var s in _specs) if (s.Name == name) return s;
        return null;
    }

    private static bool Fits(AttributeType type, object value) => type switch
    {
        AttributeType.Int => value is long,
        AttributeType.Double => value is double or long,
        AttributeType.Bool => value is bool,
        AttributeType.String => value is string,
        AttributeType.DType => value is DType,
        AttributeType.Ints => value is long[],
        AttributeType.Doubles => value is double[],
        _ => false,
    };

    private static string Describe(AttributeType type) => type switch
    {
        AttributeType.Int => "an integer",
        AttributeType.Double => "a number",
        AttributeType.Bool => "a bool",
        AttributeType.String => "a string",
        AttributeType.DType => "a dtype",
        AttributeType.Ints => "an integer array",
        AttributeType.Doubles => "a double array",
        _ => type.ToString(),
    };

    /// <summary>Formats like <c>dims: ints, keepdim: bool = False</c>.</summary>
    public override string ToString() => string.Join(", ", _specs.Select(s => s.ToString()));
}
