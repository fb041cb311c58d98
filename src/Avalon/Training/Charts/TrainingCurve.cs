using System.Globalization;
using System.Text;
using Avalon.Interop;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Avalon.Training.Charts;

/// <summary>
/// Per-epoch loss and accuracy for training and validation, drawn as an SVG chart (loss and accuracy
/// side by side) or as sparklines in the terminal.
/// </summary>
/// <example>
/// <code>
/// var curve = new TrainingCurve();
/// curve.Add(new EpochRecord(1, TrainLoss: 0.61, TrainAccuracy: 0.78, ValidationLoss: 0.48, ValidationAccuracy: 0.83));
/// curve.SaveSvg("training.svg");
/// AnsiConsole.Write(curve.ToRenderable());
/// </code>
/// </example>
public sealed class TrainingCurve
{
    private readonly List<EpochRecord> _epochs = [];

    /// <summary>The recorded epochs, in the order added.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>
    /// The epoch whose weights were restored at the end of training (early stopping's best epoch), marked
    /// on the charts by a vertical line and named in the text view; <see langword="null"/> for none.
    /// </summary>
    public int? RestoredEpoch { get; set; }

    /// <summary>Records one epoch.</summary>
    /// <param name="record">The epoch's results.</param>
    public void Add(EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _epochs.Add(record);
    }

    /// <summary>The curves as a standalone SVG document: a loss panel, and an accuracy panel when any accuracy was recorded.</summary>
    /// <param name="title">A title for the whole figure; <see langword="null"/> for none.</param>
    public string ToSvg(string? title = null)
    {
        const int panelWidth = 480, panelHeight = 320;
        var loss = new SvgChart("Loss", "epoch", "loss");
        loss.AddSeries("train", Points(r => r.TrainLoss));
        if (_epochs.Any(r => r.ValidationLoss is not null)) loss.AddSeries("validation", Points(r => r.ValidationLoss), dashed: true);
        SvgChart? accuracy = null;
        if (_epochs.Any(r => r.TrainAccuracy is not null || r.ValidationAccuracy is not null))
        {
            accuracy = new SvgChart("Accuracy", "epoch", "accuracy");
            if (_epochs.Any(r => r.TrainAccuracy is not null)) accuracy.AddSeries("train", Points(r => r.TrainAccuracy));
            if (_epochs.Any(r => r.ValidationAccuracy is not null)) accuracy.AddSeries("validation", Points(r => r.ValidationAccuracy), dashed: true);
        }
        if (RestoredEpoch is int restored)
        {
            string label = $"restored epoch {restored}";
            loss.AddMarker(restored, label);
            accuracy?.AddMarker(restored, label);
        }
        int titleHeight = title is null ? 0 : 24;
        int width = panelWidth * (accuracy is null ? 1 : 2), height = panelHeight + titleHeight;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if (title is not null)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"17\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{System.Security.SecurityElement.Escape(title)}</text>\n");
        loss.RenderInto(svg, 0, titleHeight, panelWidth, panelHeight);
        accuracy?.RenderInto(svg, panelWidth, titleHeight, panelWidth, panelHeight);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Writes <see cref="ToSvg"/> to a file, atomically.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="title">A title for the whole figure; <see langword="null"/> for none.</param>
    public void SaveSvg(string path, string? title = null)
    {
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(ToSvg(title));
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>A compact terminal view: one row per curve with its sparkline, first, best and last value.</summary>
    public IRenderable ToRenderable()
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("curve").AddColumn("epochs").AddColumn(new TableColumn("first").RightAligned())
            .AddColumn(new TableColumn("best").RightAligned()).AddColumn(new TableColumn("last").RightAligned());
        AddRow(table, "train loss", r => r.TrainLoss, lowerIsBetter: true);
        AddRow(table, "validation loss", r => r.ValidationLoss, lowerIsBetter: true);
        AddRow(table, "train accuracy", r => r.TrainAccuracy, lowerIsBetter: false);
        AddRow(table, "validation accuracy", r => r.ValidationAccuracy, lowerIsBetter: false);
        return table;
    }

    /// <summary>The same view as plain text lines, for logs.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        foreach (var (name, select) in Curves())
        {
            var values = _epochs.Select(r => select(r) ?? double.NaN).ToArray();
            if (!values.Any(double.IsFinite)) continue;
            sb.Append(CultureInfo.InvariantCulture, $"{name,-20} {Sparkline.Render(values)}  last {values.Last(double.IsFinite):0.####}");
            if (RestoredEpoch is int restored && _epochs.FirstOrDefault(r => r.Epoch == restored) is { } kept && select(kept) is double v)
                sb.Append(CultureInfo.InvariantCulture, $"  restored epoch {restored}: {v:0.####}");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static IEnumerable<(string Name, Func<EpochRecord, double?> Select)> Curves() =>
    [
        ("train loss", r => r.TrainLoss),
        ("validation loss", r => r.ValidationLoss),
        ("train accuracy", r => r.TrainAccuracy),
        ("validation accuracy", r => r.ValidationAccuracy),
    ];

    private void AddRow(Table table, string name, Func<EpochRecord, double?> select, bool lowerIsBetter)
    {
        var values = _epochs.Select(r => select(r) ?? double.NaN).ToArray();
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return;
        double best = lowerIsBetter ? finite.Min() : finite.Max();
        table.AddRow(
            new Text(name), new Text(Sparkline.Render(values)),
            new Text(finite[0].ToString("0.####", CultureInfo.InvariantCulture)),
            new Text(best.ToString("0.####", CultureInfo.InvariantCulture)),
            new Text(finite[^1].ToString("0.####", CultureInfo.InvariantCulture)));
    }

    private IEnumerable<(double X, double Y)> Points(Func<EpochRecord, double?> select)
    {
        foreach (var r in _epochs)
        {
            if (select(r) is double v) yield return (r.Epoch, v);
        }
    }
}
