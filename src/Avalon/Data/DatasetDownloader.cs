using System.Net.Http;

namespace Avalon.Data;

/// <summary>
/// Downloads one dataset file into a folder: the file is written under a temporary name, checked by
/// the caller's <c>verify</c> function, and only then renamed into place, so an interrupted or bad
/// download never leaves a file that a later run would take for a good one.
/// </summary>
internal static class DatasetDownloader
{
    private static readonly HttpClient s_client = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// Downloads <paramref name="fileName"/> from the first mirror that serves a valid copy into
    /// <paramref name="targetPath"/> and returns what <paramref name="verify"/> made of it.
    /// </summary>
    /// <exception cref="IOException">No mirror gave a valid file; the message lists each attempt.</exception>
    public static T Download<T>(
        IReadOnlyList<Uri> mirrors, string fileName, string targetPath, TimeSpan timeout, Action<string>? log, Func<string, T> verify)
    {
        var failures = new List<string>();
        foreach (Uri mirror in mirrors)
        {
            var uri = new Uri(mirror, fileName);
            string temporary = $"{targetPath}.{Guid.NewGuid():N}.part";
            try
            {
                log?.Invoke($"Downloading {uri} ...");
                DownloadToFileAsync(uri, temporary, timeout).GetAwaiter().GetResult();
                T result = verify(temporary);
                File.Move(temporary, targetPath, overwrite: true);
                log?.Invoke($"Saved {targetPath}");
                return result;
            }
            catch (OperationCanceledException)
            {
                failures.Add($"{uri}: no complete answer within {timeout.TotalSeconds:0.#} s");
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                failures.Add($"{uri}: {ex.Message}");
            }
            finally
            {
                TryDelete(temporary);
            }
        }
        throw new IOException($"could not download {fileName}: {string.Join("; ", failures)}");
    }

    private static async Task DownloadToFileAsync(Uri uri, string path, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using HttpResponseMessage response = await s_client
            .GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancel.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        // The folder is created only once a server answers, so a failed attempt leaves no trace.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancel.Token).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, useAsync: true);
        await body.CopyToAsync(file, cancel.Token).ConfigureAwait(false);
        long? expected = response.Content.Headers.ContentLength;
        if (expected is long length && file.Length != length)
        {
            throw new IOException($"the server announced {length} bytes but sent {file.Length}");
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
            // A leftover *.part file is harmless: it is never taken for a dataset file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
