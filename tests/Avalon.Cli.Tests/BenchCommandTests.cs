using System.Text.Json;
using Avalon.Tests.TestData;

namespace Avalon.Cli.Tests;

/// <summary><c>avalon bench</c>: the JSON lines parse with the fields the comparison scripts read; bad arguments fail with a message.</summary>
[Collection("Console")]
public class BenchCommandTests
{
    private const string Fashion = "/usr/share/datasets/fashion-mnist";

    [Fact]
    public void GemmJsonOnATinySizeParses()
    {
        var (code, output, err) = CliRunner.Run("bench", "gemm", "--sizes", "24", "40", "--threads", "1", "--min-time", "0", "--min-reps", "2", "--max-reps", "3", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("avalon_gemm", root.GetProperty("bench").GetString());
        var results = root.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([24, 40], results.Select(r => r.GetProperty("n").GetInt32()));
        foreach (var r in results)
        {
            Assert.Equal(1, r.GetProperty("threads").GetInt32());
            Assert.True(r.GetProperty("gflops_median").GetDouble() > 0);
            Assert.True(r.GetProperty("rel_err").GetDouble() < 1e-5, $"rel_err {r.GetProperty("rel_err")}");
        }
        Assert.True(root.GetProperty("fma_peak_gflops").GetDouble() > 0);
    }

    [Theory]
    [InlineData("bench gemm --threads 0", "--threads")]
    [InlineData("bench gemm --sizes -4", "--sizes")]
    [InlineData("bench cnn --epochs 0", "--epochs")]
    [InlineData("bench vae --batch 0", "--batch")]
    [InlineData("bench alloc --steps 0", "--steps")]
    public void AnOptionOutOfRangeExitsWithTwoAndNamesIt(string command, string option)
    {
        var (code, _, err) = CliRunner.Run(command.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(option, err);
    }

    [Theory]
    [InlineData("bench cnn --model resnet")]
    [InlineData("bench gemm --layout xy")]
    [InlineData("bench nosuch")]
    [InlineData("bench gemm --threads two")]
    [InlineData("bench vae --no-such-option")]
    public void AMalformedCommandLineExitsNonZero(string command)
    {
        var (code, _, err) = CliRunner.Run(command.Split(' '));
        Assert.NotEqual(0, code);
        Assert.NotEqual("", err);
    }

    [Fact]
    public void AMissingDataSetSaysWhereAndHowToGetIt()
    {
        var (code, _, err) = CliRunner.Run("bench", "vae", "--data", "/nonexistent/fashion", "--json");
        Assert.Equal(3, code);
        Assert.Contains("/nonexistent/fashion", err);
        Assert.Contains("dataset-fashion-mnist", err);
    }

    [ExternalDataFact(Fashion, Hint = "apt-get install dataset-fashion-mnist")]
    public void CnnJsonHasThePeerFieldsAndConvFlopsByTheFormula()
    {
        ExternalData.Require(Fashion);
        var (code, output, err) = CliRunner.Run("bench", "cnn", "--model", "avalon", "--max-steps", "2", "--warmup-steps", "1",
            "--pred-reps", "2", "--single-reps", "2", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("epoch_s").GetDouble() > 0);
        Assert.True(root.GetProperty("step").GetProperty("median_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("pred_b100").GetProperty("median_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("pred_b1").GetProperty("median_ms").GetDouble() > 0);
        double accuracy = root.GetProperty("test_acc").GetDouble();
        Assert.InRange(accuracy, 0, 1);
        Assert.Equal("compiled", root.GetProperty("path").GetProperty("predict").GetString());
        Assert.True(root.GetProperty("compile_s").GetDouble() > 0);
        Assert.True(root.GetProperty("alloc_bytes_per_step").GetDouble() > 0);
        Assert.True(root.GetProperty("pred_compiled_vs_eager_max_abs_diff").GetDouble() < 1e-4);
        // The benchmark CNN at batch 100: convolutions 1→16 at 28², 16→32 at 14², 32→32 at 7², 3×3 kernels, with bias.
        double forward = 2.0 * 100 * (16 * 28 * 28 * 1 * 9 + 32 * 14 * 14 * 16 * 9 + 32 * 7 * 7 * 32 * 9);
        double bias = 100.0 * (16 * 28 * 28 + 32 * 14 * 14 + 32 * 7 * 7);
        var byPrimitive = root.GetProperty("step_flops_by_primitive");
        Assert.Equal(forward + bias, byPrimitive.GetProperty("conv").GetDouble());
        Assert.Equal(forward, byPrimitive.GetProperty("conv_backward_weight").GetDouble());
        // No input gradient for the first convolution (the images do not require one).
        Assert.Equal(2.0 * 100 * (32 * 14 * 14 * 16 * 9 + 32 * 7 * 7 * 32 * 9), byPrimitive.GetProperty("conv_backward_input").GetDouble());
        // The linear layer: its product, and the products for the gradients of its input and of its weight.
        Assert.Equal(3 * 2.0 * 100 * 288 * 10, byPrimitive.GetProperty("matmul").GetDouble());
        Assert.Empty(root.GetProperty("step_flops_uncounted").EnumerateArray());
        double gflops = root.GetProperty("step_gflops").GetDouble();
        Assert.Equal(root.GetProperty("step_flops").GetDouble() / (root.GetProperty("step").GetProperty("median_ms").GetDouble() / 1e3) / 1e9, gflops, 1e-6);
    }
}
