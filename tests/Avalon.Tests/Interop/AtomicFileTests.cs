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
            Assert.StartsWith(Path.Combine(folder, ".avalon-tmp.out.bin." + Environment.ProcessId + "."), during![0]);
            Assert.Equal([42], File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void StaleTemporaryFilesOfDeadProcessesAreRemovedByTheNextSaveAndLiveOnesKept()
    {
        string folder = Directory.CreateTempSubdirectory("avalon-atomic-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.ckpt");
            // A process id that runs no process: one past the largest id the system hands out is never live.
            int dead = DeadProcessId();
            int live = 1;   // pid 1, the init process, always runs (on Windows: the System Idle process has id 0, 4 is System)
            if (OperatingSystem.IsWindows()) live = 4;
            string stale = Path.Combine(folder, AtomicFile.TemporaryName("model.ckpt", dead));
            string running = Path.Combine(folder, AtomicFile.TemporaryName("model.ckpt", live));
            string ownProcess = Path.Combine(folder, AtomicFile.TemporaryName("model.ckpt", Environment.ProcessId));
            string otherTarget = Path.Combine(folder, AtomicFile.TemporaryName("other.ckpt", dead));
            string lookalike = Path.Combine(folder, ".avalon-tmp.model.ckpt.notapid.0123456789ab");
            foreach (string f in new[] { stale, running, ownProcess, otherTarget, lookalike }) File.WriteAllText(f, "partial");

            AtomicFile.Write(path, stream => stream.WriteByte(1));

            Assert.False(File.Exists(stale));
            Assert.True(File.Exists(running));
            Assert.True(File.Exists(ownProcess));
            Assert.True(File.Exists(otherTarget));
            Assert.True(File.Exists(lookalike));
            Assert.Equal([1], File.ReadAllBytes(path));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TemporaryNamesEncodeTheTargetAndTheProcess()
    {
        string name = AtomicFile.TemporaryName("model.ckpt", 4242);
        Assert.Matches(@"^\.avalon-tmp\.model\.ckpt\.4242\.[0-9a-f]{12}$", name);
        Assert.Equal(4242, AtomicFile.ProcessIdOf(name, "model.ckpt"));
        Assert.Null(AtomicFile.ProcessIdOf(name, "model"));
        Assert.Null(AtomicFile.ProcessIdOf(name, "ckpt"));
        Assert.Null(AtomicFile.ProcessIdOf(".avalon-tmp.model.ckpt.4242.0123", "model.ckpt"));
        Assert.Null(AtomicFile.ProcessIdOf(".avalon-tmp.model.ckpt.-1.0123456789ab", "model.ckpt"));
    }

    private static int DeadProcessId()
    {
        for (int id = 4_000_000; id > 1000; id -= 7919)
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(id);
            }
            catch (ArgumentException)
            {
                return id;
            }
        }
        throw new InvalidOperationException("no free process id found");
    }
}
