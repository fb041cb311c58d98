using System.Globalization;
using System.Text.RegularExpressions;

namespace Avalon.Distributed.Tests;

/// <summary>samples/DistributedFashionMnist under mpirun with two processes, in its --quick configuration.</summary>
public sealed partial class DistributedSampleTests
{
    [MpiFact]
    public void TheDistributedFashionMnistSampleTrainsOnTwoProcessesAndEndsWithTheTestAccuracyFromRankZero()
    {
        string directory = Directory.CreateTempSubdirectory("avalon-ddp-sample").FullName;
        try
        {
            string program = Path.Combine(AppContext.BaseDirectory, "Avalon.Samples.DistributedFashionMnist.dll");
            var result = MpiRun.RunProgram(2, TimeSpan.FromSeconds(240), program, "--quick", "--out", directory, "--threads", "1");
            Assert.True(result.ExitCode == 0, result.ToString());
            var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            var last = AccuracyLine().Match(lines[^1]);
            Assert.True(last.Success, $"last line '{lines[^1]}'\n{result}");
            double accuracy = double.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture);
            // 2 epochs on 400 images reach well above chance (10 %): the replicas trained together.
            Assert.InRange(accuracy, 30.0, 100.0);
            // Rank 0 alone reports: one accuracy line, one data line, one epoch line per epoch (2).
            Assert.Single(lines, l => l.StartsWith("test accuracy:", StringComparison.Ordinal));
            Assert.Single(lines, l => l.StartsWith("Data source:", StringComparison.Ordinal));
            Assert.Contains("2 processes", result.Output);
            Assert.Equal(2, lines.Count(l => l.Contains(" done in ", StringComparison.Ordinal)));
            Assert.True(File.Exists(Path.Combine(directory, "fashion-mnist-cnn.safetensors")), result.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"^test accuracy: (\d+\.\d\d)%$")]
    private static partial Regex AccuracyLine();
}
