namespace Avalon.Samples.Common;

/// <summary>An RGB picture in memory: pixels, grayscale and colour-mapped images, text labels; saved as PNG.</summary>
public sealed class Canvas
{
    private readonly byte[] _rgb;

    /// <summary>Creates a canvas filled with <paramref name="background"/> (gray level 0–255).</summary>
    public Canvas(int width, int height, byte background = 255)
    {
        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        Array.Fill(_rgb, background);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Sets one pixel (ignored outside the canvas).</summary>
    public void Set(int x, int y, (byte R, byte G, byte B) color)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int i = (y * Width + x) * 3;
        (_rgb[i], _rgb[i + 1], _rgb[i + 2]) = color;
    }

    /// <summary>The colour of one pixel.</summary>
    public (byte R, byte G, byte B) Get(int x, int y)
    {
        int i = (y * Width + x) * 3;
        return (_rgb[i], _rgb[i + 1], _rgb[i + 2]);
    }

    /// <summary>Fills a rectangle.</summary>
    public void Fill(int x0, int y0, int width, int height, (byte R, byte G, byte B) color)
    {
        for (int y = y0; y < y0 + height; y++)
        for (int x = x0; x < x0 + width; x++) Set(x, y, color);
    }

    /// <summary>Draws a grayscale image (values in [0, 1], row-major) with its top-left corner at (x0, y0), each pixel <paramref name="scale"/>² screen pixels.</summary>
    public void DrawGray(int x0, int y0, ReadOnlySpan<float> image, int width, int height, int scale = 1)
    {
        for (int y = 0; y < height * scale; y++)
        for (int x = 0; x < width * scale; x++)
        {
            byte v = (byte)Math.Clamp(image[y / scale * width + x / scale] * 255f + 0.5f, 0, 255);
            Set(x0 + x, y0 + y, (v, v, v));
        }
    }

    /// <summary>Draws <paramref name="text"/> in the built-in 3×5 capitals font, each font pixel <paramref name="scale"/>² screen pixels.</summary>
    public void DrawText(int x0, int y0, string text, int scale = 2, (byte R, byte G, byte B)? color = null)
    {
        var c = color ?? ((byte)0, (byte)0, (byte)0);
        int x = x0;
        foreach (char ch in text)
        {
            var glyph = BitmapFont.Glyph(ch);
            for (int row = 0; row < BitmapFont.Height; row++)
            for (int col = 0; col < BitmapFont.Width; col++)
            {
                if (glyph[row * BitmapFont.Width + col] != '1') continue;
                Fill(x + col * scale, y0 + row * scale, scale, scale, c);
            }
            x += (BitmapFont.Width + 1) * scale;
        }
    }

    /// <summary>The width <see cref="DrawText"/> takes for <paramref name="text"/>.</summary>
    public static int TextWidth(string text, int scale = 2) => text.Length * (BitmapFont.Width + 1) * scale;

    /// <summary>Writes the canvas as an RGB PNG file, atomically.</summary>
    public void Save(string path) => PngWriter.WriteRgb(path, _rgb, Width, Height);
}
