using System.Globalization;
using System.Text.Json;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// Reads the PyTorch reference cases in Data/Kernels (written by tests/reference/generate_kernel_references.py).
/// Non-finite values are stored as the strings "nan", "inf" and "-inf".
/// </summary>
internal static class KernelReferenceData
{
    public static IEnumerable<JsonElement> Cases(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "Kernels", fileName);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
            yield return c.Clone();
    }

    public static double[] Doubles(this JsonElement c, string name)
    {
        var values = new List<double>();
        foreach (var v in c.GetProperty(name).EnumerateArray())
            values.Add(v.ValueKind == JsonValueKind.String
                ? v.GetString() switch
                {
                    "nan" => double.NaN,
                    "inf" => double.PositiveInfinity,
                    "-inf" => double.NegativeInfinity,
                    var s => double.Parse(s!, CultureInfo.InvariantCulture),
                }
                : v.GetDouble());
        return values.ToArray();
    }

    public static long[] Longs(this JsonElement c, string name)
    {
        var values = new List<long>();
        foreach (var v in c.GetProperty(name).EnumerateArray()) values.Add(v.GetInt64());
        return values.ToArray();
    }

    public static int[] Ints(this JsonElement c, string name)
    {
        var values = new List<int>();
        foreach (var v in c.GetProperty(name).EnumerateArray()) values.Add(v.GetInt32());
        return values.ToArray();
    }

    public static int[] IntsParam(this JsonElement c, string name) => c.GetProperty("params").Ints(name);

    /// <summary>Equality up to a relative tolerance, with NaN equal to NaN and infinities equal to themselves.</summary>
    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            if (!(Math.Abs(e - a) <= tolerance * (1 + Math.Abs(e))))
                Assert.Fail($"{what}: element {i} expected {e:R}, got {a:R}.");
        }
    }
}
