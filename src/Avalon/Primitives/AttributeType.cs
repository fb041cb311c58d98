namespace Avalon.Primitives;

/// <summary>The type of one attribute in a primitive's <see cref="AttributeSchema"/>.</summary>
public enum AttributeType
{
    /// <summary>An integer (stored as a long; int and long are the same type here).</summary>
    Int,
    /// <summary>A floating-point number (stored as a double; an integer value is accepted and converted).</summary>
    Double,
    /// <summary>A flag.</summary>
    Bool,
    /// <summary>A string (a mode name such as <c>'nearest'</c>).</summary>
    String,
    /// <summary>A <see cref="Avalon.DType"/>.</summary>
    DType,
    /// <summary>An array of integers (stored as long[]).</summary>
    Ints,
    /// <summary>An array of doubles.</summary>
    Doubles,
}
