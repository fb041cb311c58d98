namespace Avalon.Samples.Vae;

/// <summary>A grid of square grayscale cells with a 2-pixel border, saved as PNG.</summary>
internal sealed class ImageGrid(int columns, int rows, int cell)
{
    private const int Border = 2;
    private readonly int _width = columns * (cell + Border) + Border;
    private readonly int _height = rows * (cell + Border) + Border;
    private byte[]? _pixels;

    private byte[] Pixels => _pixels ??= Enumerable.Repeat((byte)64, _width * _height).ToArray();

    /// <summary>Puts an image with values in [0, 1] into cell (row, column).</summary>
    public void Put(int row, int column, float[] image)
    {
        int x0 = Border + column * (cell + Border), y0 = Border + row * (cell + Border);
        for (int y = 0; y < cell; y++)
        for (int x = 0; x < cell; x++)
            Pixels[(y0 + y) * _width + x0 + x] = (byte)Math.Clamp(image[y * cell + x] * 255f + 0.5f, 0, 255);
    }

    public void Save(string path) => PngWriter.WriteGray(path, Pixels, _width, _height);
}
