namespace Avalon.Samples.Common;

/// <summary>
/// A grid of square grayscale cells with a 2-pixel border, an optional title and a label at the left of
/// each row (or of a group of rows), saved as PNG.
/// </summary>
public sealed class ImageGrid
{
    private const int Border = 2, Scale = 2, TextHeight = 5 * Scale;
    private readonly int _cell, _labelWidth, _top;
    private readonly Canvas _canvas;

    /// <summary>Creates the grid.</summary>
    /// <param name="columns">Cells per row.</param>
    /// <param name="rows">Rows of cells.</param>
    /// <param name="cell">The side of a cell in image pixels (28 for Fashion-MNIST).</param>
    /// <param name="rowLabels">Labels that will be drawn at the left (their longest sets the margin); null for none.</param>
    /// <param name="title">A title above the grid; null for none.</param>
    /// <param name="zoom">Screen pixels per image pixel.</param>
    public ImageGrid(int columns, int rows, int cell, IEnumerable<string>? rowLabels = null, string? title = null, int zoom = 1)
    {
        _cell = cell * zoom;
        Zoom = zoom;
        int longest = rowLabels?.Select(l => l.Length).DefaultIfEmpty(0).Max() ?? 0;
        _labelWidth = longest == 0 ? 0 : Canvas.TextWidth(new string('x', longest), Scale) + 6;
        _top = title is null ? 0 : TextHeight + 8;
        _canvas = new Canvas(_labelWidth + columns * (_cell + Border) + Border, _top + rows * (_cell + Border) + Border, background: 64);
        if (_labelWidth > 0) _canvas.Fill(0, 0, _labelWidth, _canvas.Height, (255, 255, 255));
        if (title is not null)
        {
            _canvas.Fill(0, 0, _canvas.Width, _top, (255, 255, 255));
            _canvas.DrawText(4, 4, title, Scale);
        }
    }

    /// <summary>Screen pixels per image pixel.</summary>
    public int Zoom { get; }

    /// <summary>The picture's width in pixels.</summary>
    public int Width => _canvas.Width;

    /// <summary>The picture's height in pixels.</summary>
    public int Height => _canvas.Height;

    /// <summary>Puts an image with values in [0, 1] (row-major, cell × cell) into cell (row, column).</summary>
    public void Put(int row, int column, ReadOnlySpan<float> image)
    {
        int x0 = _labelWidth + Border + column * (_cell + Border), y0 = _top + Border + row * (_cell + Border);
        _canvas.DrawGray(x0, y0, image, _cell / Zoom, _cell / Zoom, Zoom);
    }

    /// <summary>Writes <paramref name="label"/> at the left of <paramref name="rowCount"/> rows starting at <paramref name="row"/>, centred on them.</summary>
    public void Label(int row, string label, int rowCount = 1)
    {
        if (_labelWidth == 0) throw new InvalidOperationException("ImageGrid.Label: the grid was created without row labels.");
        int y0 = _top + Border + row * (_cell + Border);
        int span = rowCount * (_cell + Border) - Border;
        _canvas.DrawText(3, y0 + (span - TextHeight) / 2, label, Scale);
    }

    /// <summary>Writes the grid as a PNG file, atomically.</summary>
    public void Save(string path) => _canvas.Save(path);
}
