namespace Avalon.Nn;

/// <summary>
/// Keeps a field or property of a <see cref="Module"/> out of parameter, buffer and submodule
/// discovery (for example a reference to a module owned elsewhere, or a cached constant tensor).
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class IgnoreAttribute : Attribute;
