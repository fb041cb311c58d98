using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary><c>Module.LoadStateDict</c> is all or nothing, also when the state dict shares memory with the module.</summary>
public class ModuleLoadStateDictTests
{
    private sealed class Pair : Module
    {
        public Linear A = new(3, 3, generator: new Generator(1));
        public Linear B = new(3, 3, generator: new Generator(2));
    }

    [Fact]
    public void SwappingTwoLayersThroughTheModulesOwnStateDictGivesEachTheOthersValues()
    {
        var m = new Pair();
        double[] a = m.A.Weight.ToDoubleArray(), b = m.B.Weight.ToDoubleArray();
        var own = m.StateDict();   // shares memory with the module
        var swapped = new Dictionary<string, Tensor>
        {
            ["a.weight"] = own["b.weight"],
            ["b.weight"] = own["a.weight"],
            ["a.bias"] = own["a.bias"],
            ["b.bias"] = own["b.bias"],
        };
        m.LoadStateDict(swapped);
        Assert.Equal(b, m.A.Weight.ToDoubleArray());
        Assert.Equal(a, m.B.Weight.ToDoubleArray());
    }

    [Fact]
    public void AnyMismatchLeavesEveryTensorUntouched()
    {
        var m = new Pair();
        double[] a = m.A.Weight.ToDoubleArray(), b = m.B.Bias!.ToDoubleArray();
        var state = new Dictionary<string, Tensor>
        {
            ["a.weight"] = Tensor.Zeros(3, 3),
            ["a.bias"] = Tensor.Zeros(3),
            ["b.weight"] = Tensor.Zeros(3, 3),
            ["b.bias"] = Tensor.Zeros([3], DType.Int32),
        };
        var error = Assert.Throws<StateDictMismatchException>(() => m.LoadStateDict(state));
        Assert.Single(error.Mismatches);
        Assert.Equal(a, m.A.Weight.ToDoubleArray());
        Assert.Equal(b, m.B.Bias!.ToDoubleArray());
    }
}
