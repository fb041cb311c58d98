using System.Security.Cryptography;

namespace Avalon.Interop;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never a part:
/// the content goes to <c>path + ".tmp-&lt;random&gt;"</c> beside the target, is flushed to disk, and
/// then renamed over the target. If writing fails, the temporary file is removed and the target is
/// left as it was.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp-" + RandomNumberGenerator.GetHexString(12, lowercase: true);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the write already failed, and that error is the one to report.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
