using System.Diagnostics;

namespace Avalon.Onnx.Tests;

/// <summary>
/// Mutants of a real exported model (bit flips, byte overwrites, truncations, insertions) either load or
/// fail with the documented exceptions: InvalidDataException (not a valid model or tensor),
/// NotSupportedException (UnsupportedOnnxOperatorException, unsupported element types) or an IOException
/// (an external-data file that is not there). No other exception, and no mutant takes long.
/// </summary>
public class OnnxLoaderFuzzTests
{
    [Fact]
    public void MutatedModelsLoadOrFailWithDocumentedExceptions()
    {
        var original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "RealModels", "resnet", "model.onnx"));
        var rng = new Random(12345);
        var folder = Path.Combine(Path.GetTempPath(), "avalon-onnx-fuzz-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        int loaded = 0, refused = 0;
        var slowest = TimeSpan.Zero;
        try
        {
            for (int i = 0; i < 2000; i++)
            {
                var bytes = Mutate(original, rng);
                var watch = Stopwatch.StartNew();
                try
                {
                    OnnxModule.Load(bytes, folder);
                    loaded++;
                }
                catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException)
                {
                    refused++;
                    Assert.False(string.IsNullOrWhiteSpace(e.Message));
                }
                catch (Exception e)
                {
                    Assert.Fail($"mutant {i}: {e.GetType().Name}: {e.Message}");
                }
                if (watch.Elapsed > slowest) slowest = watch.Elapsed;
            }
        }
        finally { Directory.Delete(folder, true); }
        Assert.True(refused > 100, $"only {refused} of 2000 mutants were refused");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"the slowest mutant took {slowest}");
        Assert.True(loaded + refused == 2000);
    }

    private static byte[] Mutate(byte[] original, Random rng)
    {
        var b = (byte[])original.Clone();
        switch (rng.Next(5))
        {
            case 0:
                for (int k = rng.Next(1, 8); k > 0; k--) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            case 1:
                for (int k = rng.Next(1, 4); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return b;
            case 2:
                return b[..rng.Next(b.Length)];
            case 3:
            {
                int at = rng.Next(b.Length);
                var junk = new byte[rng.Next(1, 16)];
                rng.NextBytes(junk);
                return [.. b[..at], .. junk, .. b[at..]];
            }
            default:
            {
                int at = rng.Next(b.Length - 1);
                int len = rng.Next(1, Math.Min(64, b.Length - at));
                return [.. b[..at], .. b[(at + len)..]];
            }
        }
    }
}
