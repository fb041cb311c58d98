using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>How parameters, buffers and children are found and named.</summary>
public sealed class ModuleDiscoveryTests
{
    private sealed class Block : Module
    {
        public Linear Fc21 = new(3, 4, generator: new Generator(1));
        public Tensor Scale = Tensor.Ones(4).RequiresGrad_();
        [Buffer] public Tensor RunningMean = Tensor.Zeros(4);
        [Buffer(persistent: false)] public Tensor Cache = Tensor.Zeros(2);
        [Buffer] public Tensor NumBatchesTracked { get; set; } = Tensor.Zeros([], DType.Int64);
    }

    private class Base : Module
    {
        public Linear Conv1 = new(2, 3, bias: false, generator: new Generator(2));
    }

    private sealed class Net : Base
    {
        public Block Body { get; } = new();
        public Module[] Heads = [new Linear(4, 1, generator: new Generator(3)), new Linear(4, 2, generator: new Generator(4))];
        public List<Linear> Extra = [new Linear(1, 1, generator: new Generator(5))];
        [StateName("renamed_layer")] public Linear Custom = new(1, 2, generator: new Generator(6));
        [Ignore] public Linear Hidden = new(1, 1);
        private readonly Linear _private = new(2, 2, generator: new Generator(7));
        public Linear? Missing = null;
        public int NotAMember = 3;
        public Tensor Computed => Tensor.Zeros(1);

        public Linear Private => _private;
    }

    [Theory]
    [InlineData("Conv1", "conv1")]
    [InlineData("Fc21", "fc21")]
    [InlineData("RunningMean", "running_mean")]
    [InlineData("NumBatchesTracked", "num_batches_tracked")]
    [InlineData("_weight", "weight")]
    [InlineData("Weight", "weight")]
    [InlineData("Bn1Weight", "bn1_weight")]
    [InlineData("HTTPServer", "httpserver")]
    public void SnakeCasesMemberNames(string member, string key) => Assert.Equal(key, ModuleMember.SnakeCase(member));

    [Fact]
    public void NamesParametersWithDottedPathsInDeclarationOrderBaseFirst()
    {
        var keys = new Net().NamedParameters().Select(p => p.Key).ToArray();
        Assert.Equal(
        [
            "conv1.weight",
            "body.scale", "body.fc21.weight", "body.fc21.bias",
            "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias",
            "extra.0.weight", "extra.0.bias",
            "renamed_layer.weight", "renamed_layer.bias",
            "private.weight", "private.bias",
        ], keys);
    }

    [Fact]
    public void StateDictHasParametersThenPersistentBuffersPerModule()
    {
        var keys = new Block().StateDict().Keys.ToArray();
        Assert.Equal(["scale", "running_mean", "num_batches_tracked", "fc21.weight", "fc21.bias"], keys);
    }

    [Fact]
    public void BuffersIncludeNonPersistentOnes()
    {
        var net = new Net();
        Assert.Equal(["body.running_mean", "body.cache", "body.num_batches_tracked"], net.NamedBuffers().Select(b => b.Key));
        Assert.Equal(3, net.Buffers().Count());
        Assert.DoesNotContain("body.cache", net.StateDict().Keys);
        Assert.Contains("body.cache", net.GetState().Keys);
    }

    [Fact]
    public void ChildrenAndModulesArePreOrderWithPaths()
    {
        var net = new Net();
        Assert.Equal(["conv1", "body", "heads.0", "heads.1", "extra.0", "renamed_layer", "private"], net.NamedChildren().Select(c => c.Key));
        Assert.Equal(7, net.Children().Count());
        Assert.Equal(["", "conv1", "body", "body.fc21", "heads.0", "heads.1", "extra.0", "renamed_layer", "private"],
            net.NamedModules().Select(m => m.Key));
        Assert.Same(net, net.Modules().First());
    }

    [Fact]
    public void NullMembersAreSkipped()
    {
        var layer = new Linear(3, 2, bias: false);
        Assert.Equal(["weight"], layer.NamedParameters().Select(p => p.Key));
    }

    [Fact]
    public void SharedTensorsAndModulesAreListedOnceButSavedUnderEveryName()
    {
        var shared = new Linear(2, 2);
        var tied = new Tied { A = shared, B = shared };
        Assert.Equal(["a.weight", "a.bias"], tied.NamedParameters().Select(p => p.Key));
        Assert.Equal(["a.weight", "a.bias", "b.weight", "b.bias"], tied.StateDict().Keys);
        Assert.Equal(6, tied.ParameterCount);
    }

    private sealed class Tied : Module
    {
        public Linear? A;
        public Linear? B;
    }

    [Fact]
    public void CollidingKeysAreReported()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new Colliding().NamedParameters().ToList());
        Assert.Contains("'weight'", ex.Message);
        Assert.Contains("Colliding", ex.Message);
    }

    private sealed class Colliding : Module
    {
        public Tensor Weight = Tensor.Zeros(1);
        private readonly Tensor _weight = Tensor.Zeros(1);

        public Tensor Other => _weight;
    }

    [Fact]
    public void CyclesAreReported()
    {
        var a = new Cyclic();
        a.Next = a;
        Assert.Single(a.NamedModules());
        var ex = Assert.Throws<InvalidOperationException>(() => a.StateDict());
        Assert.Contains("cycle", ex.Message);
    }

    private sealed class Cyclic : Module
    {
        public Tensor W = Tensor.Zeros(1);
        public Cyclic? Next;
    }

    [Fact]
    public void ForwardWithoutOverrideNamesTheModule()
    {
        var ex = Assert.Throws<NotSupportedException>(() => new Tied().Forward(Tensor.Zeros(1)));
        Assert.Contains("Tied", ex.Message);
    }
}
