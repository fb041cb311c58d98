using System.Buffers.Binary;
using System.IO.Compression;

namespace Avalon.Tests.Data;

/// <summary>Builds IDX files byte by byte, independently of the reader under test.</summary>
internal static class IdxTestFiles
{
    public static byte[] Header(byte typeCode, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = typeCode;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        }
        return header;
    }

    public static byte[] UByte(int[] dims, byte[] values) => [.. Header(0x08, dims), .. values];

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>A temporary folder, deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "avalon-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name, byte[] contents)
        {
            string path = System.IO.Path.Combine(Path, name);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            System.IO.File.WriteAllBytes(path, contents);
            return path;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Writes a small MNIST-like split (<paramref name="count"/> 28×28 images whose pixels encode the
    /// image index, labels <c>i % 10</c>) into <paramref name="folder"/>; returns images and labels.
    /// </summary>
    public static (byte[] Images, byte[] Labels) WriteSplit(string folder, string prefix, int count, bool gzip)
    {
        var images = new byte[count * 28 * 28];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (byte)(i / 784 * 31 + i % 784);
        }
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 10);
        }
        Directory.CreateDirectory(folder);
        string suffix = gzip ? ".gz" : "";
        byte[] imageFile = UByte([count, 28, 28], images);
        byte[] labelFile = UByte([count], labels);
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, $"{prefix}-images-idx3-ubyte{suffix}"), gzip ? Gzip(imageFile) : imageFile);
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, $"{prefix}-labels-idx1-ubyte{suffix}"), gzip ? Gzip(labelFile) : labelFile);
        return (images, labels);
    }
}
