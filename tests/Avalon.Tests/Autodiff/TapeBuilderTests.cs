using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Tests.Autodiff;

public class TapeBuilderTests
{
    [Fact]
    public void ValidateCatchesAWrongSpecAndAnUnknownArgument()
    {
        var tape = Grad.Trace(a => (a[0] * a[0]).Sum(), Tensor.Ones(2, 3));
        tape.Validate();
        var b = new TapeBuilder(tape);
        var mul = b.Ops.OfType<CallOp>().First(c => c.Primitive.Name == "mul");
        int index = b.IndexOf(mul.Id);
        var users = b.Users(mul.Id);
        Assert.Single(users);
        // Rewrite the recorded spec of mul to a wrong shape.
        var wrong = mul with { Id = b.FreshId(), Spec = mul.Spec with { Shape = new Shape(3, 2) } };
        b.Insert(index + 1, wrong);
        b.ReplaceAllUses(mul.Id, wrong.Id);
        b.Remove(mul.Id);
        var ex = Assert.Throws<InvalidOperationException>(() => b.Build().Validate());
        Assert.Contains("recorded as float32[3, 2]", ex.Message);
        Assert.Contains("float32[2, 3]", ex.Message);
    }

    [Fact]
    public void ReplaceAllUsesRewiresAndTheRebuiltTapeRuns()
    {
        var x = Tensor.From(new float[] { 1, 2 });
        var tape = Grad.Trace(a => a[0].Exp() + 1, x);
        var b = new TapeBuilder(tape);
        var exp = b.Ops.OfType<CallOp>().Single(c => c.Primitive.Name == "exp");
        int id = b.FreshId();
        b.Insert(b.IndexOf(exp.Id) + 1, new CallOp(id, exp.Spec, PrimitiveRegistry.Get("neg"), Attributes.Empty, exp.Args));
        b.ReplaceAllUses(exp.Id, id);
        b.Remove(exp.Id);
        var rebuilt = b.Build();
        rebuilt.Validate();
        Assert.Equal(new float[] { 0, -1 }, rebuilt.Run(x)[0].ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => new TapeBuilder(tape).Remove(tape.Inputs[0]));
    }
}
