using System.Globalization;

namespace Avalon.Nn;

/// <summary>Formats values the way Python prints them, for layer descriptions that match PyTorch's.</summary>
internal static class PythonRepr
{
    /// <summary>A tuple: <c>(3,)</c>, <c>(3, 4)</c>.</summary>
    public static string Tuple(IReadOnlyList<int> values) =>
        values.Count == 1 ? $"({values[0]},)" : "(" + string.Join(", ", values) + ")";

    /// <summary>An argument given as an int or a tuple: the int when <paramref name="scalar"/>, else the tuple.</summary>
    public static string IntOrTuple(IReadOnlyList<int> values, bool scalar) => scalar ? values[0].ToString(CultureInfo.InvariantCulture) : Tuple(values);

    /// <summary>A float: <c>1e-05</c>, <c>0.1</c>, <c>2.0</c>.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string s = value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
        if (s.Contains('e'))
        {
            // Python writes at least two exponent digits and no '+' sign on them... but keeps '+': 1e+20.
            int e = s.IndexOf('e');
            string mantissa = s[..e], exponent = s[(e + 1)..];
            char sign = exponent[0] == '-' ? '-' : '+';
            string digits = exponent.TrimStart('+', '-').PadLeft(2, '0');
            return mantissa + "e" + sign + digits;
        }
        return s.Contains('.') ? s : s + ".0";
    }

    /// <summary>A bool: <c>True</c> / <c>False</c>.</summary>
    public static string Bool(bool value) => value ? "True" : "False";
}
