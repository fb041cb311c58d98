namespace Avalon.Nn;

/// <summary>
/// Overrides the name under which a parameter, buffer or submodule appears in dotted paths and in
/// the state dict. Without it the C# member name is snake-cased (<c>RunningMean</c> → <c>running_mean</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class StateNameAttribute : Attribute
{
    /// <summary>Uses <paramref name="name"/> as the member's key.</summary>
    public StateNameAttribute(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw OpErrors.Argument("StateName", $"expected a non-empty name without '.', got '{name}'.", nameof(name));
        Name = name;
    }

    /// <summary>The key used for the member.</summary>
    public string Name { get; }
}
