namespace Avalon.Primitives;

/// <summary>One validation result cached on an <see cref="Attributes"/> set: the schema and the validated set.</summary>
/// <param name="Schema">The schema the set was validated against.</param>
/// <param name="Result">The validated set (defaults filled in, integers of double attributes as doubles).</param>
internal sealed record AttributeValidation(AttributeSchema Schema, Attributes Result);
