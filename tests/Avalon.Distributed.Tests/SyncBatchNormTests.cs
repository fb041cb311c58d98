using Avalon.Nn;

namespace Avalon.Distributed.Tests;

/// <summary>SyncBatchNorm in one process (MPI not initialised) and ConvertSyncBatchNorm; the two-process behaviour is in <see cref="MultiProcessTests"/>.</summary>
public sealed class SyncBatchNormTests
{
    [Fact]
    public void WithoutMpiItIsBatchNorm2dBitForBitInTrainingAndEvaluation()
    {
        Assert.False(ProcessGroup.IsInitialized);
        var g = new Generator(3);
        var x = Tensor.Randn([5, 3, 4, 4], g) * 3 + 2;
        var upstream = Tensor.Randn([5, 3, 4, 4], g);
        var bn = new BatchNorm2d(3, momentum: null);
        var sync = new SyncBatchNorm(3, momentum: null);
        Assert.False(sync.Synchronizes);
        for (int step = 0; step < 2; step++)
        {
            var xa = x.Clone().RequiresGrad_();
            var xb = x.Clone().RequiresGrad_();
            var a = bn.Forward(xa);
            var b = sync.Forward(xb);
            Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
            (a * upstream).Sum().Backward();
            (b * upstream).Sum().Backward();
            Assert.Equal(xa.Grad!.ToArray<float>(), xb.Grad!.ToArray<float>());
            Assert.Equal(bn.Weight!.Grad!.ToArray<float>(), sync.Weight!.Grad!.ToArray<float>());
            Assert.Equal(bn.Bias!.Grad!.ToArray<float>(), sync.Bias!.Grad!.ToArray<float>());
            bn.ZeroGrad();
            sync.ZeroGrad();
        }
        Assert.Equal(bn.RunningMean!.ToArray<float>(), sync.RunningMean!.ToArray<float>());
        Assert.Equal(bn.RunningVar!.ToArray<float>(), sync.RunningVar!.ToArray<float>());
        Assert.Equal(2L, sync.NumBatchesTracked!.ToArray<long>()[0]);
        bn.Eval();
        sync.Eval();
        Assert.Equal(bn.Forward(x).ToArray<float>(), sync.Forward(x).ToArray<float>());
    }

    [Fact]
    public void HasBatchNormsStateKeysAndPrintsAsPyTorch()
    {
        var sync = new SyncBatchNorm(4);
        Assert.Equal(new BatchNorm2d(4).StateDict().Keys, sync.StateDict().Keys);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], sync.StateDict().Keys);
        Assert.Equal("SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", sync.ToString());
    }

    [Fact]
    public void TakesAnyInputFromTwoDimsAndNamesTheShapeWhenItCannot()
    {
        var sync = new SyncBatchNorm(3);
        Assert.Equal([6, 3], sync.Forward(Tensor.Randn([6, 3], new Generator(1))).Shape.ToArray());
        Assert.Equal([2, 3, 2, 2, 2], sync.Forward(Tensor.Randn([2, 3, 2, 2, 2], new Generator(1))).Shape.ToArray());
        var flat = Assert.Throws<ArgumentException>(() => sync.Forward(Tensor.Randn([3], new Generator(1))));
        Assert.Contains("SyncBatchNorm: expected at least 2D input", flat.Message);
        var channels = Assert.Throws<ArgumentException>(() => sync.Forward(Tensor.Randn([2, 4, 3], new Generator(1))));
        Assert.Contains("expected input with 3 channels", channels.Message);
        Assert.Contains("[2, 4, 3]", channels.Message);
    }

    [Fact]
    public void ConvertSyncBatchNormReplacesEveryBatchNormWhereverItIsHeldAndKeepsItsTensorsAndMode()
    {
        var model = new Holder();
        var oldFieldWeight = model.Field.Weight;
        var oldSequentialMean = ((BatchNormNd)model.Chain[1]).RunningMean;
        model.Array[0].Eval();
        var keys = model.StateDict().Keys.ToList();

        var converted = SyncBatchNorm.ConvertSyncBatchNorm(model);

        Assert.Same(model, converted);
        Assert.Equal(7, model.Modules().OfType<SyncBatchNorm>().Count());
        Assert.DoesNotContain(model.Modules(), m => m is BatchNormNd and not SyncBatchNorm);
        Assert.Equal(keys, model.StateDict().Keys.ToList());
        Assert.Same(oldFieldWeight, model.Field.Weight);
        Assert.Same(oldSequentialMean, ((BatchNormNd)model.Chain[1]).RunningMean);
        Assert.False(model.Array[0].Training);
        Assert.True(model.Array[1].Training);
        var fromBatchNorm1d = Assert.IsType<SyncBatchNorm>(model.Property);
        Assert.Null(fromBatchNorm1d.Momentum);
        Assert.Equal(1e-3, fromBatchNorm1d.Eps);
        Assert.False(fromBatchNorm1d.Affine);
        Assert.Null(fromBatchNorm1d.Weight);
    }

    [Fact]
    public void ConvertSyncBatchNormOfABatchNormReturnsASyncBatchNormSharingItsTensors()
    {
        var bn = new BatchNorm2d(5, eps: 1e-4, momentum: 0.2);
        var sync = Assert.IsType<SyncBatchNorm>(SyncBatchNorm.ConvertSyncBatchNorm(bn));
        Assert.Same(bn.Weight, sync.Weight);
        Assert.Same(bn.RunningVar, sync.RunningVar);
        Assert.Same(bn.NumBatchesTracked, sync.NumBatchesTracked);
        Assert.Equal(0.2, sync.Momentum);
        Assert.Equal(1e-4, sync.Eps);
    }

    [Fact]
    public void AFieldDeclaredAsAConcreteBatchNormIsNamedAndTheModelIsLeftUnchanged()
    {
        var model = new TypedHolder();
        var e = Assert.Throws<InvalidOperationException>(() => SyncBatchNorm.ConvertSyncBatchNorm(model));
        Assert.Contains("TypedHolder.Bn is declared as BatchNorm2d", e.Message);
        Assert.Contains("BatchNormNd", e.Message);
        // The walk checks every place before writing any: the Sequential's BatchNorm is still there.
        Assert.IsType<BatchNorm2d>(model.Chain[0]);
    }

    private sealed class Holder : Module
    {
        public BatchNormNd Field = new BatchNorm2d(2);
        public Module Property { get; set; } = new BatchNorm1d(3, eps: 1e-3, momentum: null, affine: false);
        public Sequential Chain = new(new Linear(2, 2), new BatchNorm1d(2));
        public ModuleList List = new(new BatchNorm2d(2));
        public ModuleDict Dict = new([new("norm", new BatchNorm3d(2))]);
        public Module[] Array = [new BatchNorm2d(2), new BatchNorm2d(2)];
    }

    private sealed class TypedHolder : Module
    {
        public Sequential Chain = new(new BatchNorm2d(2));
        public BatchNorm2d Bn = new(2);
    }
}
