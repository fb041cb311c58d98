using System.Xml.Linq;
using Avalon.Training.Charts;
using Spectre.Console;

namespace Avalon.Tests.Training.Charts;

public class TrainingCurveTests
{
    private static TrainingCurve Sample()
    {
        var curve = new TrainingCurve();
        curve.Add(new EpochRecord(1, 0.9, 0.70, 0.8, 0.72));
        curve.Add(new EpochRecord(2, 0.6, 0.80, 0.65, 0.79));
        curve.Add(new EpochRecord(3, 0.4, 0.86, 0.6, 0.81));
        return curve;
    }

    [Fact]
    public void SvgIsWellFormedWithBothPanelsAndAllSeries()
    {
        string svg = Sample().ToSvg("Fashion-MNIST <MLP>");
        var document = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", document.Root!.Name);
        Assert.Equal("960", document.Root.Attribute("width")!.Value);
        Assert.Equal(4, document.Descendants(ns + "polyline").Count());
        var texts = document.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("Loss", texts);
        Assert.Contains("Accuracy", texts);
        Assert.Contains("validation", texts);
        Assert.Contains("Fashion-MNIST <MLP>", texts);
    }

    [Fact]
    public void EpochAxisHasWholeNumberTicksOnly()
    {
        var texts = XDocument.Parse(Sample().ToSvg("t")).Descendants(XName.Get("text", "http://www.w3.org/2000/svg"))
            .Select(t => t.Value).ToList();
        Assert.Contains("2", texts);
        Assert.DoesNotContain("1.5", texts);
        Assert.DoesNotContain("2.5", texts);
    }

    [Fact]
    public void PolylineFollowsTheValues()
    {
        var chart = new SvgChart("t", "x", "y").AddSeries("s", [(0, 0), (1, 10), (2, 5)]);
        var document = XDocument.Parse(chart.ToSvg(400, 300));
        var points = document.Descendants().Single(e => e.Name.LocalName == "polyline").Attribute("points")!.Value
            .Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(3, points.Length);
        Assert.True(points[0][0] < points[1][0] && points[1][0] < points[2][0]);
        // SVG y grows downwards: the highest value has the smallest y.
        Assert.True(points[1][1] < points[2][1] && points[2][1] < points[0][1]);
    }

    [Fact]
    public void LossOnlyCurveHasOnePanel()
    {
        var curve = new TrainingCurve();
        curve.Add(new EpochRecord(1, 1.0));
        curve.Add(new EpochRecord(2, double.NaN));
        var document = XDocument.Parse(curve.ToSvg());
        Assert.Equal("480", document.Root!.Attribute("width")!.Value);
    }

    [Fact]
    public void SparklineScalesFromLowestToHighest()
    {
        Assert.Equal("▁▅█", Sparkline.Render([1.0, 2.0, 3.0]));
        Assert.Equal("█▁ ", Sparkline.Render([5.0, -5.0, double.NaN]));
        Assert.Equal("▅▅", Sparkline.Render([2.0, 2.0]));
        Assert.Equal("", Sparkline.Render([]));
    }

    [Fact]
    public void TerminalViewListsEachCurve()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 120;
        console.Write(Sample().ToRenderable());
        string output = writer.ToString();
        Assert.Contains("train loss", output);
        Assert.Contains("validation accuracy", output);
        Assert.Contains("0.86", output);
        string text = Sample().ToText();
        Assert.Contains("train loss", text);
        Assert.Contains("last 0.4", text);
    }

    [Fact]
    public void SaveSvgWritesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"avalon-curve-{Guid.NewGuid():N}.svg");
        try
        {
            Sample().SaveSvg(path);
            Assert.Equal(Sample().ToSvg(), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
