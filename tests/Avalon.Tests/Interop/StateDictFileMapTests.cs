using Avalon.Interop;
using Avalon.Interop.Safetensors;
using Avalon.Interop.Torch;
using Avalon.Nn;
using Avalon.Tests.Interop.Safetensors;
using Avalon.Tests.Interop.Torch;
using static Avalon.Tests.Data.IdxTestFiles;

namespace Avalon.Tests.Interop;

/// <summary><see cref="StateDictFile.Map"/>: the lazy entry point for every format <see cref="StateDictFile.Load"/> reads.</summary>
public class StateDictFileMapTests
{
    [Theory]
    [InlineData(StateDictFormat.Torch, "model.pt")]
    [InlineData(StateDictFormat.Torch, "model.bin")]
    [InlineData(StateDictFormat.Safetensors, "model.safetensors")]
    [InlineData(StateDictFormat.ShardedSafetensors, "model.safetensors.index.json")]
    public void EveryFormatMapsAndLoadsIntoAModelAsLoadDoes(StateDictFormat format, string name)
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, name);
        var source = new Sequential(new Linear(6, 16, generator: new Generator(1)), new BatchNorm1d(16), new Linear(16, 4, generator: new Generator(2)));
        source.Forward(Tensor.Randn([8, 6], new Generator(3)));   // running statistics that differ from a fresh model's
        StateDictFile.Save(path, source.StateDict(), maxShardBytes: 256);
        Assert.Equal(format, StateDictFile.FormatOf(path));

        using var mapped = StateDictFile.Map(path);
        Assert.IsType(format == StateDictFormat.Torch ? typeof(MappedTorchFile) : typeof(MappedSafetensors), mapped);
        SafetensorsMapTests.AssertSameTensors(StateDictFile.Load(path), mapped);
        var target = new Sequential(new Linear(6, 16), new BatchNorm1d(16), new Linear(16, 4));
        var result = target.LoadStateDict(mapped);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        foreach (var (key, tensor) in source.StateDict()) SafetensorsShardedTests.AssertBitExact(key, tensor, target.StateDict()[key]);
    }

    [Fact]
    public void MismatchesAreReportedFromTheHeaderAsForAnEagerStateDict()
    {
        var mapped = TorchFile.Map(TorchReference.File("mlp.pt"));
        var model = new Sequential(new Linear(4, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 2));
        var eager = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(TorchFile.Load(TorchReference.File("mlp.pt"))));
        var lazy = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(mapped));
        Assert.Equal(eager.Message, lazy.Message);
        Assert.Contains("size mismatch for 3.weight", lazy.Message);
        mapped.Dispose();
    }

    [Fact]
    public void AnUnknownNameIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => StateDictFile.Map("weights.npz"));
        Assert.Contains("StateDictFile.Map", e.Message);
    }
}
