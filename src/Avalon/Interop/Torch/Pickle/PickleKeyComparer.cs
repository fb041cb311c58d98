namespace Avalon.Interop.Torch.Pickle;

/// <summary>Python's key equality for the values a pickle can hold as dict keys: 1 == 1.0 == True, tuples by items.</summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>
{
    public static readonly PickleKeyComparer Instance = new();

    public new bool Equals(object? x, object? y)
    {
        if (x is null || y is null) return x is null && y is null;
        if (Numeric(x) is double a && Numeric(y) is double b) return a == b;
        return x.Equals(y);
    }

    public int GetHashCode(object obj) => Numeric(obj) is double d ? d.GetHashCode() : obj.GetHashCode();

    // Integers beyond long's range are BigIntegers, which never equal a long, so they compare by Equals.
    private static double? Numeric(object value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => d,
        _ => null,
    };
}
