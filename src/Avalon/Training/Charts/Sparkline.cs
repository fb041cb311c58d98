namespace Avalon.Training.Charts;

/// <summary>One-line charts of block characters (▁▂▃▄▅▆▇█) for terminals and logs.</summary>
public static class Sparkline
{
    private const string Blocks = "▁▂▃▄▅▆▇█";

    /// <summary>One character per value, scaled from the smallest (▁) to the largest (█); non-finite values become a space.</summary>
    /// <param name="values">The values, in order.</param>
    public static string Render(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (!double.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        var chars = new char[values.Count];
        for (int i = 0; i < chars.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v)) chars[i] = ' ';
            else if (max == min) chars[i] = Blocks[Blocks.Length / 2];
            else chars[i] = Blocks[(int)Math.Round((v - min) / (max - min) * (Blocks.Length - 1), MidpointRounding.AwayFromZero)];
        }
        return new string(chars);
    }
}
