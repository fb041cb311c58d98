using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Tests.Compiler;

internal static class CompilerTestUtil
{
    /// <summary>Options that validate the tape after every pass, as the tests want.</summary>
    public static Avalon.Compiler.CompileOptions Checked(Avalon.Compiler.PassPipeline? pipeline = null) =>
        new() { ValidateAfterEachPass = true, DebugLevel = 0, Pipeline = pipeline };

    public static int Calls(Tape tape, string? primitive = null) =>
        tape.Ops.OfType<CallOp>().Count(c => primitive is null || c.Primitive.Name == primitive);

    /// <summary>Fresh random inputs of the tape's input specs (floating point: normal; integers: in [0, high)).</summary>
    public static Tensor[] RandomInputs(Tape tape, int seed, int high = 3)
    {
        var g = new Generator((ulong)seed);
        return tape.Inputs.Select(id =>
        {
            var spec = tape[id].Spec;
            var shape = spec.Shape.ToArray();
            return spec.DType.IsFloatingPoint() ? Tensor.Randn(shape, g, spec.DType)
                : spec.DType == DType.Bool ? Tensor.RandInt(0, 2, shape, g).To(DType.Bool)
                : Tensor.RandInt(0, high, shape, g, spec.DType);
        }).ToArray();
    }

    public static void AssertClose(Tensor expected, Tensor actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.True(expected.Shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType}, expected {expected.DType}");
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
        {
            bool ok = double.IsNaN(e[i]) ? double.IsNaN(a[i]) : e[i] == a[i] || Math.Abs(e[i] - a[i]) <= atol + rtol * Math.Abs(e[i]);
            Assert.True(ok, $"{what}: element {i} is {a[i]}, expected {e[i]}");
        }
    }

    public static void AssertAllClose(Tensor[] expected, Tensor[] actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) AssertClose(expected[i], actual[i], $"{what} output {i}", rtol, atol);
    }

    /// <summary>The tape's outputs before and after optimising agree on several random inputs.</summary>
    public static Tape AssertOptimizedAgrees(Tape tape, Avalon.Compiler.CompileOptions? options = null, double rtol = 1e-5, double atol = 1e-6, Generator? reseed = null)
    {
        var optimized = Avalon.Compiler.Compiler.Optimize(tape, options ?? Checked());
        optimized.Validate();
        for (int seed = 1; seed <= 3; seed++)
        {
            var inputs = RandomInputs(tape, seed);
            reseed?.Seed((ulong)seed);
            var expected = tape.Run(inputs);
            reseed?.Seed((ulong)seed);
            AssertAllClose(expected, optimized.Run(inputs), $"seed {seed}", rtol, atol);
        }
        return optimized;
    }

    public static Sequential Mlp(int seed, int inFeatures = 8, int hidden = 16, int classes = 4) =>
        new(new Linear(inFeatures, hidden, generator: new Generator((ulong)seed)), new ReLU(),
            new Linear(hidden, classes, generator: new Generator((ulong)seed + 1)));

    public static Sequential SmallCnn(int seed) =>
        new(new Conv2d(1, 4, 3, padding: 1, generator: new Generator((ulong)seed)), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(4 * 4 * 4, 3, generator: new Generator((ulong)seed + 1)));
}
