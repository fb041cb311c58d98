using System.Diagnostics;
using Avalon.Interop;
using Avalon.Training.Checkpoints;
using Xunit.Abstractions;

namespace Avalon.Tests.Interop;

/// <summary>
/// Kills a process that saves checkpoints in a loop (tests/Avalon.CrashSaver) with SIGKILL at random
/// moments, many times, and checks that the checkpoint always loads as one complete version and
/// that the temporary files the killed processes leave are removed by the next save.
/// </summary>
public sealed class AtomicSaveCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 30;
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-crash-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void KilledMidSaveTheCheckpointIsAlwaysOneCompleteVersion()
    {
        string path = Path.Combine(_folder, "model.safetensors");
        var random = new Random(20261202);
        int version = 0, temporarySeen = 0, killsWithTemporary = 0;
        var clock = Stopwatch.StartNew();

        // The first child saves version 0 before it may be killed, so the target exists from then on.
        RunChild(path, version, saves: 1);
        Assert.Equal(0, LoadVersion(path));
        for (int kill = 0; kill < Kills; kill++)
        {
            using var child = StartChild(path, version + 1, saves: 0);
            Assert.Equal("ready", child.StandardOutput.ReadLine());
            Assert.StartsWith("saving ", child.StandardOutput.ReadLine());
            if (kill % 2 == 1)
            {
                // Let the first save complete, so the versions advance, and kill during a later one.
                Assert.StartsWith("saved ", child.StandardOutput.ReadLine());
                Assert.StartsWith("saving ", child.StandardOutput.ReadLine());
            }
            // Every other kill waits until the temporary file exists, so it lands while the bytes are written;
            // the others land anywhere from the start of the save on (preparing, writing, renaming, the next one).
            if (kill % 2 == 0) WaitForTemporaryFile(child.Id);
            Thread.Sleep(random.Next(0, kill % 2 == 0 ? 5 : 40));
            child.Kill(entireProcessTree: false);   // SIGKILL on Unix: no cleanup code runs
            child.WaitForExit();

            int left = TemporaryFiles().Length;
            temporarySeen += left;
            if (left > 0) killsWithTemporary++;
            int loaded = LoadVersion(path);
            Assert.True(loaded >= version, $"the checkpoint went back from version {version} to {loaded}");
            version = loaded;
        }
        int before = TemporaryFiles().Length;
        RunChild(path, version + 1, saves: 1);
        string[] after = TemporaryFiles();
        Assert.Equal(version + 1, LoadVersion(path));

        output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:F1} s; {killsWithTemporary} left temporary files ({temporarySeen} seen in all), " +
            $"{before} before the last save, {after.Length} after it; last version {version + 1}.");
        Assert.Empty(after);
        Assert.True(killsWithTemporary > 0, "no kill landed in the middle of a save, so the test proved nothing; make the saves longer");
    }

    private void WaitForTemporaryFile(int processId)
    {
        var waited = Stopwatch.StartNew();
        while (!TemporaryFiles().Any(f => AtomicFile.ProcessIdOf(Path.GetFileName(f), "model.safetensors") == processId) && waited.Elapsed < TimeSpan.FromSeconds(20))
            Thread.Sleep(1);
    }

    private string[] TemporaryFiles() => Directory.GetFiles(_folder, AtomicFile.TemporaryPrefix + "*");

    /// <summary>Loads the checkpoint and checks that it is one complete version: every weight and the epoch equal.</summary>
    private static int LoadVersion(string path)
    {
        var checkpoint = Checkpoint.Load(path);
        int version = checkpoint.Epoch ?? throw new Xunit.Sdk.XunitException("the checkpoint has no epoch");
        Assert.Equal(6, checkpoint.ModelState.Count);
        foreach (var (name, tensor) in checkpoint.ModelState)
            Assert.True(tensor.ToDoubleArray().All(v => v == version), $"{name} is not all {version}: the file mixes versions");
        return version;
    }

    private static void RunChild(string path, int first, int saves)
    {
        using var child = StartChild(path, first, saves);
        string rest = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"the saver exited with {child.ExitCode}: {rest} {child.StandardError.ReadToEnd()}");
    }

    private static Process StartChild(string path, int first, int saves)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Avalon.CrashSaver.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; the test project references tests/Avalon.CrashSaver to build it");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(first.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(saves.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the saver");
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
