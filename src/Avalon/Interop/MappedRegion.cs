using System.IO.MemoryMappedFiles;

namespace Avalon.Interop;

/// <summary>
/// A whole file mapped read-only into memory, handing out streams over byte ranges of it: how the mapped
/// readers copy one tensor's bytes into its array without reading the rest of the file.
/// </summary>
/// <remarks>
/// Streams read through the mapping's <see cref="System.Runtime.InteropServices.SafeBuffer"/>, which
/// counts its users, so a stream used after <see cref="Dispose"/> raises <see cref="ObjectDisposedException"/>
/// instead of touching unmapped memory. Several streams may read at once.
/// </remarks>
internal sealed class MappedRegion : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;

    private MappedRegion(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        Length = length;
    }

    /// <summary>The file's length in bytes when it was mapped.</summary>
    public long Length { get; }

    /// <summary>Maps the file <paramref name="stream"/> is open on (it must not be empty); the stream may be closed afterwards.</summary>
    public static MappedRegion Map(FileStream stream)
    {
        long length = stream.Length;
        if (length <= 0) throw new ArgumentException("MappedRegion: an empty file cannot be mapped.", nameof(stream));
        var file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedRegion(file, view, length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A read-only stream over <paramref name="length"/> bytes from <paramref name="offset"/>, which must lie inside the file.</summary>
    /// <exception cref="ObjectDisposedException">The region has been disposed.</exception>
    public UnmanagedMemoryStream Open(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"MappedRegion: bytes [{offset}, {offset + length}) lie outside the file's {Length}.");
        return new UnmanagedMemoryStream(_view.SafeMemoryMappedViewHandle, offset, length, FileAccess.Read);
    }

    /// <summary>Unmaps the file; streams opened before raise <see cref="ObjectDisposedException"/> when read.</summary>
    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
