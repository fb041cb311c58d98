using System.Net;
using System.Net.Sockets;
using Avalon.Data;

namespace Avalon.Tests.Data;

public sealed class DatasetDownloaderTests : IDisposable
{
    private readonly HttpListener _server = new();
    private readonly IdxTestFiles.TempFolder _folder = new();
    private readonly Dictionary<string, byte[]> _files = [];
    private readonly Uri _baseUri;

    public DatasetDownloaderTests()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _baseUri = new Uri($"http://127.0.0.1:{port}/data/");
        _server.Prefixes.Add(_baseUri.ToString());
        _server.Start();
        _ = ServeAsync();
    }

    [Fact]
    public void ValidFileIsMovedIntoPlace()
    {
        byte[] contents = IdxTestFiles.Gzip(IdxTestFiles.UByte([3], [1, 2, 3]));
        _files["/data/labels.gz"] = contents;
        string target = Path.Combine(_folder.Path, "cache", "labels.gz");

        IdxArray array = DatasetDownloader.Download(
            [_baseUri], "labels.gz", target, TimeSpan.FromSeconds(20), log: null, IdxReader.Read);

        Assert.Equal([1, 2, 3], array.AsBytes());
        Assert.Equal(contents, File.ReadAllBytes(target));
        Assert.Equal([target], Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public void InvalidFileIsNotKeptAndTheNextMirrorIsTried()
    {
        var badMirror = new Uri(_baseUri, "bad/");
        _files["/data/bad/labels.gz"] = [1, 2, 3, 4, 5];
        _files["/data/labels.gz"] = IdxTestFiles.UByte([2], [7, 8]);
        string target = Path.Combine(_folder.Path, "labels.gz");
        var log = new List<string>();

        IdxArray array = DatasetDownloader.Download(
            [badMirror, _baseUri], "labels.gz", target, TimeSpan.FromSeconds(20), log.Add, IdxReader.Read);

        Assert.Equal([7, 8], array.AsBytes());
        Assert.Equal(2, log.Count(line => line.StartsWith("Downloading", StringComparison.Ordinal)));
    }

    [Fact]
    public void AllMirrorsFailingLeavesNoFileAndListsEachAttempt()
    {
        _files["/data/labels.gz"] = [1, 2, 3, 4, 5];
        string target = Path.Combine(_folder.Path, "labels.gz");

        var ex = Assert.Throws<IOException>(() => DatasetDownloader.Download(
            [new Uri(_baseUri, "missing/"), _baseUri], "labels.gz", target, TimeSpan.FromSeconds(20), log: null, IdxReader.Read));

        Assert.Contains("missing/labels.gz: ", ex.Message);
        Assert.Contains("404", ex.Message);
        Assert.Contains("bad magic number", ex.Message);
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    public void Dispose()
    {
        _server.Stop();
        _server.Close();
        _folder.Dispose();
    }

    private async Task ServeAsync()
    {
        while (_server.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _server.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            if (_files.TryGetValue(context.Request.Url!.AbsolutePath, out byte[]? body))
            {
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
            context.Response.Close();
        }
    }
}
