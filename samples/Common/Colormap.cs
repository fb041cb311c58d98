namespace Avalon.Samples.Common;

/// <summary>A perceptual dark-blue → green → yellow colour scale (an approximation of viridis by 5 stops).</summary>
public static class Colormap
{
    private static readonly (double R, double G, double B)[] s_stops =
        [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];

    /// <summary>The colour of <paramref name="t"/> in [0, 1] (clamped).</summary>
    public static (byte R, byte G, byte B) Viridis(double t)
    {
        t = double.IsFinite(t) ? Math.Clamp(t, 0, 1) : 0;
        double at = t * (s_stops.Length - 1);
        int i = Math.Min((int)at, s_stops.Length - 2);
        double f = at - i;
        var (a, b) = (s_stops[i], s_stops[i + 1]);
        return ((byte)(a.R + (b.R - a.R) * f), (byte)(a.G + (b.G - a.G) * f), (byte)(a.B + (b.B - a.B) * f));
    }
}
