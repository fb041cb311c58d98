using Avalon.Autodiff;
using static Avalon.Tests.Compiler.CompilerTestUtil;
using static Avalon.Tests.Compiler.Properties.ProgramProperties;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// The gradient of a random program, compiled (a function returning <c>Grad.Of</c>'s value and gradients,
/// traced once: the forward and the backward the tape transformation appends, optimised and planned), equals
/// the gradient eager autograd (<c>Backward()</c>) computes on the same inputs.
/// </summary>
public sealed class CompiledGradientProperties
{
    [Fact]
    public void TheCompiledGradientEqualsTheEagerGradient() =>
        Check(Programs, AssertCompiledGradientEqualsEager, iterations: 200);

    /// <summary>
    /// With in-place writes into values that earlier steps have read, the compiled <c>Grad.Of</c> equals
    /// <c>Grad.Of</c> run uncompiled (the tape keeps the values the derivative rules need as they were;
    /// eager <c>Backward()</c> refuses such programs, as PyTorch does, because a saved tensor changed).
    /// </summary>
    [Fact]
    public void WithWritesIntoValuesReadBeforeTheCompiledGradientEqualsTheUncompiledOne() =>
        Check(ValueWritingPrograms, program =>
        {
            var weights = Weights(program);
            Tensor[] Gradient(Tensor[] xs)
            {
                var result = Grad.Of(a => Loss(program.Run(a), weights), xs);
                return [result.Value, .. result.Gradients];
            }
            var compiled = Avalon.Compiler.Compiler.Compile(Gradient, Checked());
            compiled.Invoke(program.CreateInputs(0));
            for (int variant = 1; variant <= 2; variant++)
            {
                var inputs = program.CreateInputs(variant);
                program.Reseed(variant);
                var expected = Gradient(inputs);
                program.Reseed(variant);
                AssertAllClose(expected, compiled.Invoke(inputs), $"input draw {variant}: loss and gradients", Rtol, Atol);
            }
        }, iterations: 150);

    /// <summary>
    /// Second order: the gradient of (gradient · v) — a Hessian-vector product, <c>Grad.Of</c> nested in
    /// <c>Grad.Of</c> — compiled equals the same function run uncompiled (traced tapes replayed eagerly).
    /// </summary>
    [Fact]
    public void TheCompiledSecondOrderGradientEqualsTheUncompiledOne() =>
        Check(Programs, program =>
        {
            var weights = Weights(program);
            var directions = program.InputShapes.Select((shape, k) => Tensor.Rand(shape, new Generator(program.Seed + 101 * (ulong)k)) * 2 - 1).ToArray();
            Tensor[] HessianVector(Tensor[] xs)
            {
                var outer = Grad.Of(a =>
                {
                    var inner = Grad.Of(b => Loss(program.Run(b), weights), a);
                    return Loss(inner.Gradients, directions);
                }, xs);
                return [outer.Value, .. outer.Gradients];
            }
            var compiled = Avalon.Compiler.Compiler.Compile(HessianVector, Checked());
            compiled.Invoke(program.CreateInputs(0));
            for (int variant = 1; variant <= 2; variant++)
            {
                var inputs = program.CreateInputs(variant);
                program.Reseed(variant);
                var expected = HessianVector(inputs);
                program.Reseed(variant);
                AssertAllClose(expected, compiled.Invoke(inputs), $"input draw {variant}: gradient·v and its gradient", Rtol, Atol);
            }
        }, iterations: 60);

    private static Tensor[] Weights(RandomProgram program) =>
        program.Outputs.Select((o, k) => Tensor.Rand(program.ShapeOf(o), new Generator(program.Seed + 17 * (ulong)k)) * 2 - 1).ToArray();

    /// <summary>The scalar differentiated: every output weighted elementwise by fixed random numbers, summed.</summary>
    private static Tensor Loss(Tensor[] outputs, Tensor[] weights)
    {
        var loss = (outputs[0] * weights[0]).Sum();
        for (int k = 1; k < outputs.Length; k++) loss = loss + (outputs[k] * weights[k]).Sum();
        return loss;
    }

    private static void AssertCompiledGradientEqualsEager(RandomProgram program)
    {
        var weights = Weights(program);
        var compiled = Avalon.Compiler.Compiler.Compile(xs =>
        {
            var result = Grad.Of(a => Loss(program.Run(a), weights), xs);
            return [result.Value, .. result.Gradients];
        }, Checked());
        compiled.Invoke(program.CreateInputs(0));                                  // traces
        for (int variant = 1; variant <= 2; variant++)
        {
            var inputs = program.CreateInputs(variant);
            program.Reseed(variant);
            var actual = compiled.Invoke(inputs);
            var leaves = inputs.Select(x => x.Clone().RequiresGrad_()).ToArray();
            program.Reseed(variant);
            var loss = Loss(program.Run(leaves), weights);
            if (loss.RequiresGrad) loss.Backward();                                // else no input reaches the loss: zero gradients
            AssertClose(loss.Detach(), actual[0], $"input draw {variant}: loss", Rtol, Atol);
            for (int k = 0; k < leaves.Length; k++)
                AssertClose(leaves[k].Grad ?? Tensor.ZerosLike(leaves[k]), actual[1 + k], $"input draw {variant}: gradient of input {k}", Rtol, Atol);
        }
        Assert.Equal(1, compiled.TraceCount);
    }
}
