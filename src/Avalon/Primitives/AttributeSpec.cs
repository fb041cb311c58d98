namespace Avalon.Primitives;

/// <summary>One attribute a primitive takes: its name, type and default.</summary>
/// <param name="Name">The attribute's name (snake_case, as it prints on a tape).</param>
/// <param name="Type">Its type.</param>
/// <param name="Default">
/// The value used when a call omits it; null means the attribute is required, unless
/// <paramref name="Optional"/> is set, in which case a call may omit it and it stays absent.
/// </param>
/// <param name="Optional">Whether a call may omit the attribute without a default taking its place.</param>
public sealed record AttributeSpec(string Name, AttributeType Type, object? Default = null, bool Optional = false)
{
    /// <summary>A required attribute.</summary>
    public static AttributeSpec Required(string name, AttributeType type) => new(name, type);

    /// <summary>An attribute with a default value.</summary>
    public static AttributeSpec WithDefault(string name, AttributeType type, object value) => new(name, type, value);

    /// <summary>An attribute a call may leave out (absent, no default).</summary>
    public static AttributeSpec OptionalOf(string name, AttributeType type) => new(name, type, null, true);

    /// <summary>Formats like <c>dims: ints = [0]</c>.</summary>
    public override string ToString()
    {
        var type = Type.ToString().ToLowerInvariant();
        if (Default is not null) return $"{Name}: {type} = {Attributes.FormatValue(Attributes.Normalize(Name, Default))}";
        return Optional ? $"{Name}: {type}?" : $"{Name}: {type}";
    }
}
