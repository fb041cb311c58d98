using System.Globalization;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// Bounds every element of a random program's value lies in (interval arithmetic, rounded outwards
/// enough for float32): the generator uses them to keep log, sqrt, division and exp in safe ranges and
/// magnitudes small, so that compiled and eager results can be compared with a tight tolerance.
/// </summary>
internal readonly record struct ValueRange(double Lo, double Hi)
{
    /// <summary>The largest magnitude in the range.</summary>
    public double Magnitude => Math.Max(Math.Abs(Lo), Math.Abs(Hi));

    /// <summary>The smallest range holding both.</summary>
    public ValueRange Union(ValueRange other) => new(Math.Min(Lo, other.Lo), Math.Max(Hi, other.Hi));

    /// <summary>The range of a monotonically increasing function's results.</summary>
    public ValueRange Increasing(Func<double, double> f) => new(f(Lo), f(Hi));

    /// <summary>The range of products of an element of each.</summary>
    public ValueRange Times(ValueRange other)
    {
        double a = Lo * other.Lo, b = Lo * other.Hi, c = Hi * other.Lo, d = Hi * other.Hi;
        return new(Math.Min(Math.Min(a, b), Math.Min(c, d)), Math.Max(Math.Max(a, b), Math.Max(c, d)));
    }

    /// <summary>The range scaled by a number (either sign).</summary>
    public ValueRange Scaled(double c) => c >= 0 ? new(Lo * c, Hi * c) : new(Hi * c, Lo * c);

    /// <summary>The range of |x|.</summary>
    public ValueRange Abs() => Lo >= 0 ? this : Hi <= 0 ? new(-Hi, -Lo) : new(0, Magnitude);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{Lo:G4}, {Hi:G4}]");
}
