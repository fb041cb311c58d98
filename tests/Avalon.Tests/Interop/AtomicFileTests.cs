using Avalon.Interop;

namespace Avalon.Tests.Interop;

public class AtomicFileTests
{
    [Fact]
    public void FailureMidwayLeavesOldFileIntactAndNoTemporaryFile()
    {
        string folder = Directory.CreateTempSubdirectory("avalon-atomic-").FullName;
        try
        {
            string path = Path.Combine(folder, "checkpoint.safetensors");
            File.WriteAllText(path, "old content");

            var ex = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
            {
                stream.Write(new byte[100_000]);
                throw new IOException("simulated disk failure");
            }));

            Assert.Equal("simulated disk failure", ex.Message);
            Assert.Equal("old content", File.ReadAllText(path));
            Assert.Equal([path], Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TemporaryFileSitsBesideTargetWhileWriting()
    {
        string folder = Directory.CreateTempSubdirectory("avalon-atomic-").FullName;
        try
        {
            string path = Path.Combine(folder, "out.bin");
            string[]? during = null;
            AtomicFile.Write(path, stream =>
            {
                stream.WriteByte(42);
                during = Directory.GetFiles(folder);
            });
            Assert.Single(during!);
            Assert.StartsWith(path + ".tmp-", during![0]);
            Assert.Equal([42], File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
