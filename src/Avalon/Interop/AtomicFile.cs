using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Avalon.Interop;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never a part.
/// </summary>
/// <remarks>
/// <para>
/// The content goes to a temporary file beside the target named
/// <c>.avalon-tmp.&lt;file name&gt;.&lt;process id&gt;.&lt;random&gt;</c> (for example
/// <c>.avalon-tmp.model.safetensors.4242.3f9a0c1d2e4b</c>), is flushed to disk (fsync), renamed over
/// the target, and then the folder itself is flushed where the operating system supports it (on
/// Linux and macOS; Windows has no such call), so the rename survives a power cut.
/// </para>
/// <para>
/// If writing fails the temporary file is removed and the target is left as it was. A process that
/// is killed mid-write cannot remove its temporary file; the next write to the same target removes
/// such leftovers, but only those whose process id names no running process, so a temporary file of
/// another process that is saving the same target at that moment is left alone.
/// </para>
/// </remarks>
public static class AtomicFile
{
    /// <summary>The start of every temporary file's name.</summary>
    public const string TemporaryPrefix = ".avalon-tmp.";

    private const int RandomLength = 12;

    /// <summary>Writes <paramref name="path"/> atomically: <paramref name="write"/> fills a temporary file that then replaces the target.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the content into the given stream.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw OpErrors.Argument("AtomicFile", $"'{path}' names no file.", nameof(path));
        string name = Path.GetFileName(full);
        if (name.Length == 0) throw OpErrors.Argument("AtomicFile", $"'{path}' names a folder, not a file.", nameof(path));
        RemoveStaleTemporaryFiles(folder, name);
        string temporary = Path.Combine(folder, TemporaryName(name, Environment.ProcessId));
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
        FlushFolder(folder);
    }

    /// <summary>A temporary file name for <paramref name="fileName"/> written by process <paramref name="processId"/>.</summary>
    internal static string TemporaryName(string fileName, int processId) =>
        TemporaryPrefix + fileName + "." + processId.ToString(CultureInfo.InvariantCulture) + "." +
        RandomNumberGenerator.GetHexString(RandomLength, lowercase: true);

    /// <summary>
    /// The process id encoded in <paramref name="candidate"/> when it is a temporary file of
    /// <paramref name="fileName"/> (exactly prefix, name, decimal id, 12 hex digits), or <see langword="null"/>.
    /// </summary>
    internal static int? ProcessIdOf(string candidate, string fileName)
    {
        string start = TemporaryPrefix + fileName + ".";
        if (!candidate.StartsWith(start, StringComparison.Ordinal)) return null;
        var rest = candidate.AsSpan(start.Length);
        int dot = rest.IndexOf('.');
        if (dot <= 0 || rest.Length - dot - 1 != RandomLength) return null;
        foreach (char c in rest[(dot + 1)..])
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return null;
        return int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id > 0 ? id : null;
    }

    /// <summary>Removes the temporary files of <paramref name="fileName"/> left by processes that no longer run; returns how many.</summary>
    internal static int RemoveStaleTemporaryFiles(string folder, string fileName)
    {
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, TemporaryPrefix + "*", SearchOption.TopDirectoryOnly);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (string candidate in candidates)
        {
            if (ProcessIdOf(Path.GetFileName(candidate), fileName) is not int id) continue;
            // Our own process may be writing it on another thread; a live process may be writing it now.
            if (id == Environment.ProcessId || IsRunning(id)) continue;
            if (TryDelete(candidate)) removed++;
        }
        return removed;
    }

    private static bool IsRunning(int processId)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists("/proc/" + processId.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;   // no such process
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true;    // cannot tell: keep the file
        }
    }

    /// <summary>Flushes the folder's entries (the rename) to disk: fsync of the directory on Unix; nothing on Windows, which has no such call.</summary>
    private static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        // Best effort: the file itself is already durable, and some file systems refuse to sync a folder.
        int fd = Posix.Open(folder, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try
        {
            Posix.Fsync(fd);
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            // Best effort: the write already failed, and that error is the one to report.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }

    private static class Posix
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int OpenNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);

        public static int Open(string path, int flags)
        {
            try
            {
                return OpenNative(path, flags);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return -1;
            }
        }
    }
}
