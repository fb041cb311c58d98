// The samples run in-process one after another: they set the default generator and print to the console.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Avalon.Samples.Tests;

/// <summary>Every sample runs its <c>--quick</c> configuration (a few steps on tiny data) and writes its outputs.</summary>
public sealed class SampleRunsTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "avalon-samples-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    private string[] Quick(params string[] extra) => ["--quick", "--out", _out, "--threads", "2", .. extra];

    private void AssertPng(string name)
    {
        var path = Path.Combine(_out, name);
        Assert.True(File.Exists(path), $"{name} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 100, $"{name} has only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, bytes[..8]);
    }

    private void AssertText(string name, string contains)
    {
        var path = Path.Combine(_out, name);
        Assert.True(File.Exists(path), $"{name} was not written");
        Assert.Contains(contains, File.ReadAllText(path));
    }

    [Fact]
    public void FashionMnist()
    {
        Assert.Equal(0, Avalon.Samples.FashionMnist.FashionMnistSample.Run(Quick()));
        AssertText("training-curve.svg", "<svg");
        Assert.True(File.Exists(Path.Combine(_out, "fashion-mnist-cnn.safetensors")));
    }

    [Fact]
    public void Vae()
    {
        Assert.Equal(0, Avalon.Samples.Vae.VaeSample.Run(Quick()));
        AssertPng("vae-reconstructions-and-samples.png");
    }

    [Fact]
    public void BetaVae()
    {
        Assert.Equal(0, Avalon.Samples.BetaVae.BetaVaeSample.Run(Quick()));
        AssertPng("reconstructions-and-samples.png");
        AssertPng("latent-traversal.png");
    }

    [Fact]
    public void ResNet18()
    {
        Assert.Equal(0, Avalon.Samples.ResNet18.ResNet18Sample.Run(Quick()));
        AssertText("training-curve.svg", "<svg");
        AssertPng("test-predictions.png");
    }

    [Fact]
    public void RealNvp()
    {
        Assert.Equal(0, Avalon.Samples.RealNvp.RealNvpSample.Run(Quick()));
        AssertPng("density.png");
        AssertPng("samples.png");
    }

    [Fact]
    public void LstmLanguageModel()
    {
        Assert.Equal(0, Avalon.Samples.LstmLanguageModel.LstmLanguageModelSample.Run(Quick()));
        AssertText("samples.txt", "--- prompt: :hacker: n.");
    }

    [Fact]
    public void CharTransformer()
    {
        Assert.Equal(0, Avalon.Samples.CharTransformer.CharTransformerSample.Run(Quick()));
        AssertText("samples.txt", "--- prompt: :bug:");
    }

    [Fact]
    public void UNet()
    {
        Assert.Equal(0, Avalon.Samples.UNet.UNetSample.Run(Quick()));
        AssertPng("denoising.png");
    }

    [Fact]
    public void UnknownOptionsAreNamed()
    {
        var error = Assert.Throws<Avalon.Samples.Common.SampleUsageException>(() => Avalon.Samples.UNet.UNetSample.Run(["--qiuck"]));
        Assert.False(error.HelpRequested);
        Assert.Contains("unknown option '--qiuck'", error.Message);
        Assert.Contains("--quick", error.Message);
        var badValue = Assert.Throws<Avalon.Samples.Common.SampleUsageException>(() => Avalon.Samples.UNet.UNetSample.Run(["--quick", "--seed", "x1"]));
        Assert.Contains("option --seed needs a non-negative integer, got 'x1'", badValue.Message);
    }

    [Fact]
    public void HelpListsTheOptionsAndTheEntryPointsAnswerWithExitCodes()
    {
        var help = Assert.Throws<Avalon.Samples.Common.SampleUsageException>(() => Avalon.Samples.Vae.VaeSample.Run(["--help"]));
        Assert.True(help.HelpRequested);
        Assert.Contains("--quick", help.Message);
        Assert.Contains("--out VALUE", help.Message);
        // The programs' entry points: 0 after the usage, 2 after a wrong command line, never an unhandled exception.
        Assert.Equal(0, Avalon.Samples.Common.SampleMain.Run("samples/Vae", Avalon.Samples.Vae.VaeSample.Run, ["-h"]));
        Assert.Equal(2, Avalon.Samples.Common.SampleMain.Run("samples/Vae", Avalon.Samples.Vae.VaeSample.Run, ["--qiuck"]));
        Assert.Equal(0, Avalon.Samples.FashionMnist.FashionMnistSample.RunCommandLine(["--help"]));
        Assert.Equal(2, Avalon.Samples.FashionMnist.FashionMnistSample.RunCommandLine(["--epochs"]));
        Assert.Equal(2, Avalon.Samples.FashionMnist.FashionMnistSample.RunCommandLine(["--epochs", "three"]));
    }
}
