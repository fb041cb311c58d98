using System.Globalization;
using System.Security;
using System.Text;

namespace Avalon.Training.Charts;

/// <summary>
/// A small line chart rendered as standalone SVG: axes with rounded ticks, one polyline with point
/// markers per series, and a legend. Non-finite values are left out.
/// </summary>
/// <param name="title">The title above the plot.</param>
/// <param name="xLabel">The label of the horizontal axis.</param>
/// <param name="yLabel">The label of the vertical axis.</param>
public sealed class SvgChart(string title, string xLabel, string yLabel)
{
    private static readonly string[] s_palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
    private readonly List<(string Name, (double X, double Y)[] Points, string Color, bool Dashed)> _series = [];
    private readonly List<(double X, string Label)> _markers = [];

    /// <summary>The chart's title.</summary>
    public string Title { get; } = title;

    /// <summary>The label of the horizontal axis.</summary>
    public string XLabel { get; } = xLabel;

    /// <summary>The label of the vertical axis.</summary>
    public string YLabel { get; } = yLabel;

    /// <summary>The number of series added.</summary>
    public int SeriesCount => _series.Count;

    /// <summary>Adds a series.</summary>
    /// <param name="name">The name shown in the legend.</param>
    /// <param name="points">The points, in drawing order.</param>
    /// <param name="color">A CSS colour; <see langword="null"/> picks the next palette colour.</param>
    /// <param name="dashed">Whether to draw the line dashed (for example for validation curves).</param>
    public SvgChart AddSeries(string name, IEnumerable<(double X, double Y)> points, string? color = null, bool dashed = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(points);
        var finite = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        _series.Add((name, finite, color ?? s_palette[_series.Count % s_palette.Length], dashed));
        return this;
    }

    /// <summary>The number of vertical markers added.</summary>
    public int MarkerCount => _markers.Count;

    /// <summary>Adds a labelled vertical line at <paramref name="x"/> (for example the epoch early stopping restored).</summary>
    /// <param name="x">The horizontal position, in data units.</param>
    /// <param name="label">The text written beside the line.</param>
    public SvgChart AddMarker(double x, string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (!double.IsFinite(x)) throw OpErrors.Argument("SvgChart.AddMarker", $"x must be finite, got {x}.", nameof(x));
        _markers.Add((x, label));
        return this;
    }

    /// <summary>The chart as a standalone SVG document.</summary>
    /// <param name="width">The width in pixels.</param>
    /// <param name="height">The height in pixels.</param>
    public string ToSvg(int width = 480, int height = 320)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        RenderInto(svg, 0, 0, width, height);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Draws the chart into the rectangle at (<paramref name="left"/>, <paramref name="top"/>) of an SVG being built.</summary>
    internal void RenderInto(StringBuilder svg, double left, double top, double width, double height)
    {
        const double marginLeft = 56, marginRight = 16, marginTop = 28, marginBottom = 58;
        double plotLeft = left + marginLeft, plotTop = top + marginTop;
        double plotWidth = Math.Max(1, width - marginLeft - marginRight), plotHeight = Math.Max(1, height - marginTop - marginBottom);

        var all = _series.SelectMany(s => s.Points).ToArray();
        double xMin = all.Length == 0 ? 0 : all.Min(p => p.X), xMax = all.Length == 0 ? 1 : all.Max(p => p.X);
        foreach (var (mx, _) in _markers) (xMin, xMax) = (Math.Min(xMin, mx), Math.Max(xMax, mx));
        double yMin = all.Length == 0 ? 0 : all.Min(p => p.Y), yMax = all.Length == 0 ? 1 : all.Max(p => p.Y);
        if (xMax == xMin) (xMin, xMax) = (xMin - 1, xMax + 1);
        if (yMax == yMin) (yMin, yMax) = (yMin - Math.Max(1e-3, Math.Abs(yMin) * 0.1), yMax + Math.Max(1e-3, Math.Abs(yMax) * 0.1));
        var yTicks = NiceTicks(yMin, yMax, 5);
        (yMin, yMax) = (Math.Min(yMin, yTicks[0]), Math.Max(yMax, yTicks[^1]));
        var xTicks = NiceTicks(xMin, xMax, 6).Where(t => t >= xMin - 1e-9 && t <= xMax + 1e-9).ToArray();
        // Whole-number x values (epochs) get whole-number ticks only.
        if (all.Length > 0 && all.All(p => p.X == Math.Floor(p.X)))
        {
            xTicks = xTicks.Where(t => t == Math.Floor(t)).ToArray();
            if (xTicks.Length < 2)
                xTicks = Enumerable.Range((int)Math.Ceiling(xMin), (int)Math.Floor(xMax) - (int)Math.Ceiling(xMin) + 1).Select(i => (double)i).ToArray();
        }

        double X(double x) => plotLeft + (x - xMin) / (xMax - xMin) * plotWidth;
        double Y(double y) => plotTop + plotHeight - (y - yMin) / (yMax - yMin) * plotHeight;

        svg.Append(F($"<text x=\"{left + width / 2}\" y=\"{top + 17}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{Escape(Title)}</text>\n"));
        svg.Append(F($"<rect x=\"{plotLeft}\" y=\"{plotTop}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#444\"/>\n"));
        foreach (double t in yTicks)
        {
            svg.Append(F($"<line x1=\"{plotLeft}\" y1=\"{Y(t)}\" x2=\"{plotLeft + plotWidth}\" y2=\"{Y(t)}\" stroke=\"#ddd\"/>\n"));
            svg.Append(F($"<text x=\"{plotLeft - 4}\" y=\"{Y(t) + 4}\" text-anchor=\"end\">{Format(t)}</text>\n"));
        }
        foreach (double t in xTicks)
        {
            svg.Append(F($"<line x1=\"{X(t)}\" y1=\"{plotTop + plotHeight}\" x2=\"{X(t)}\" y2=\"{plotTop + plotHeight + 4}\" stroke=\"#444\"/>\n"));
            svg.Append(F($"<text x=\"{X(t)}\" y=\"{plotTop + plotHeight + 16}\" text-anchor=\"middle\">{Format(t)}</text>\n"));
        }
        svg.Append(F($"<text x=\"{plotLeft + plotWidth / 2}\" y=\"{plotTop + plotHeight + 32}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n"));
        svg.Append(F($"<text transform=\"translate({left + 14},{plotTop + plotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}</text>\n"));

        foreach (var (mx, label) in _markers)
        {
            svg.Append(F($"<line class=\"marker\" x1=\"{X(mx):0.##}\" y1=\"{plotTop}\" x2=\"{X(mx):0.##}\" y2=\"{plotTop + plotHeight}\" stroke=\"#2ca02c\" stroke-width=\"1.5\" stroke-dasharray=\"2,2\"/>\n"));
            bool right = X(mx) > plotLeft + plotWidth * 0.6;
            svg.Append(F($"<text x=\"{X(mx) + (right ? -4 : 4):0.##}\" y=\"{plotTop + 12}\" text-anchor=\"{(right ? "end" : "start")}\" fill=\"#2ca02c\">{Escape(label)}</text>\n"));
        }

        double legendX = plotLeft;
        foreach (var (name, points, color, dashed) in _series)
        {
            string dash = dashed ? " stroke-dasharray=\"5,3\"" : "";
            if (points.Length > 0)
            {
                var coords = string.Join(" ", points.Select(p => F($"{X(p.X):0.##},{Y(p.Y):0.##}")));
                svg.Append(F($"<polyline points=\"{coords}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n"));
                foreach (var p in points)
                    svg.Append(F($"<circle cx=\"{X(p.X):0.##}\" cy=\"{Y(p.Y):0.##}\" r=\"2.5\" fill=\"{color}\"/>\n"));
            }
            double legendY = top + height - 10;
            svg.Append(F($"<line x1=\"{legendX}\" y1=\"{legendY - 4}\" x2=\"{legendX + 18}\" y2=\"{legendY - 4}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n"));
            svg.Append(F($"<text x=\"{legendX + 22}\" y=\"{legendY}\">{Escape(name)}</text>\n"));
            legendX += 30 + 6.5 * name.Length;
        }
    }

    /// <summary>About <paramref name="count"/> evenly spaced round values (1, 2 or 5 times a power of ten) covering [min, max].</summary>
    internal static double[] NiceTicks(double min, double max, int count)
    {
        double raw = (max - min) / Math.Max(1, count - 1);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double normalized = raw / magnitude;
        double factor = normalized switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 };
        double step = factor * magnitude;
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (double t = first; t <= last + step * 1e-9; t += step) ticks.Add(Math.Round(t / step) * step);
        return [.. ticks];
    }

    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
