using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Nn;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

public sealed class CompileApiTests
{
    private static Tensor[] Function(Tensor[] a) => [(a[0] * 2 + 1).Tanh(), a[0].Sum()];

    [Fact]
    public void TracesOncePerSignatureAndMatchesEagerCalls()
    {
        var f = Avalon.Compiler.Compiler.Compile(Function, Checked());
        for (int i = 0; i < 3; i++)
        {
            var x = Tensor.Randn([4, 3], new Generator((ulong)i));
            AssertAllClose(Function([x]), f.Invoke(x), $"call {i}");
        }
        Assert.Equal(1, f.TraceCount);
        var wider = Tensor.Randn([4, 5], new Generator(9));
        AssertAllClose(Function([wider]), f.Invoke(wider), "new shape");
        Assert.Equal(2, f.TraceCount);
        Assert.Equal(2, f.CacheSize);
        var doubles = Tensor.Randn([4, 3], new Generator(10), DType.Float64);
        AssertAllClose(Function([doubles]), f.Invoke(doubles), "new dtype");
        Assert.Equal(3, f.TraceCount);
        f.Invoke(Tensor.Randn([4, 3], new Generator(11)));
        Assert.Equal(3, f.TraceCount);
    }

    [Fact]
    public void DynamicModeTracesEveryCall()
    {
        var f = Avalon.Compiler.Compiler.Compile(Function, Checked(), dynamic: true);
        var x = Tensor.Randn([2, 2], new Generator(1));
        AssertAllClose(Function([x]), f.Invoke(x), "dynamic");
        f.Invoke(x);
        Assert.Equal(2, f.TraceCount);
        Assert.Equal(0, f.CacheSize);
    }

    [Fact]
    public void ATraceThatReadsATracedValueOnTheHostIsRefusedOrWarned()
    {
        static Tensor[] DataDependent(Tensor[] a) => [a[0].Sum().Item() > 0 ? a[0] * 2 : a[0] * -1];
        var refuse = Avalon.Compiler.Compiler.Compile(DataDependent, Checked());
        var e = Assert.Throws<InvalidOperationException>(() => refuse.Invoke(Tensor.Ones(3)));
        Assert.Contains("read 1 traced value(s) on the host", e.Message);
        Assert.Contains("dynamic: true", e.Message);
        var log = new StringWriter();
        var warn = Avalon.Compiler.Compiler.Compile(DataDependent, new CompileOptions { OnDataDependentTrace = DataDependencePolicy.Warn, DebugWriter = log });
        warn.Invoke(Tensor.Ones(3));
        Assert.Contains("warning: Compile: the traced function read", log.ToString());
        var dynamic = Avalon.Compiler.Compiler.Compile(DataDependent, Checked(), dynamic: true);
        Assert.Equal(new float[] { 1, 1 }, dynamic.Invoke(-Tensor.Ones(2))[0].ToArray<float>());
        Assert.Equal(new float[] { 2, 2 }, dynamic.Invoke(Tensor.Ones(2))[0].ToArray<float>());
    }

    [Fact]
    public void AReadOfAValueComputedFromConstantsAloneIsNotDataDependentUnlessTheTapeWritesThem()
    {
        // A shape taken as a tensor and computed with (the shape subgraphs ONNX exporters emit): the same on every replay.
        static Tensor[] FromShape(Tensor[] a)
        {
            var shape = Tensor.From(a[0].Shape.ToArray().Select(d => (long)d).ToArray());
            long[] target = (shape * 2).ToArray<long>();
            return [a[0].Reshape(1, (int)(target[0] * target[1] / 4))];
        }
        var f = Avalon.Compiler.Compiler.Compile(FromShape, Checked());
        var x = Tensor.Randn([2, 3], new Generator(3));
        AssertAllClose(FromShape([x]), f.Invoke(x), "reshape by a computed shape");
        var tape = Grad.Trace(a => FromShape(a)[0], x);
        Assert.Empty(tape.HostReads);
        // A constant the traced code writes in place may differ on the next replay: its reads stay data-dependent.
        static Tensor[] WritesTheConstant(Tensor[] a)
        {
            var counter = Tensor.Zeros([1]);
            var bumped = counter.Add_(a[0].Sum().Detach() * 0 + 1);
            return [bumped.ToArray<float>()[0] > 0 ? a[0] * 2 : a[0]];
        }
        Assert.NotEmpty(Grad.Trace(a => WritesTheConstant(a)[0], x).HostReads);
        static Tensor[] WritesAConstantItReads(Tensor[] a)
        {
            var c = Tensor.Ones([1]);
            c.Mul_(Tensor.Scalar(3f));
            return [c.ToArray<float>()[0] > 2 ? a[0] * 2 : a[0]];
        }
        Assert.NotEmpty(Grad.Trace(a => WritesAConstantItReads(a)[0], x).HostReads);
    }

    [Fact]
    public void InputChecksThatOnlyRaiseAreNotDataDependentButAMaskedSelectIs()
    {
        static Tensor[] Loss(Tensor[] a) => [Functional.CrossEntropy(a[0], a[1])];
        var f = Avalon.Compiler.Compiler.Compile(Loss, Checked());
        var logits = Tensor.Randn([4, 3], new Generator(1));
        var target = Tensor.From(new long[] { 0, 2, 1, 2 });
        AssertClose(Loss([logits, target])[0], f.Invoke(logits, target)[0], "cross entropy");
        AssertClose(Loss([logits, target])[0], f.Invoke(logits, target)[0], "cross entropy, compiled");
        var select = Avalon.Compiler.Compiler.Compile(a => [a[0].MaskedSelect(a[0] > Tensor.Scalar(0f))], Checked());
        Assert.Throws<InvalidOperationException>(() => select.Invoke(Tensor.Randn([5], new Generator(2))));
    }

    [Fact]
    public void AModelRetracesWhenItsModeOrParametersChangeAndSeesInPlaceUpdates()
    {
        var model = new Sequential(new Linear(3, 4, generator: new Generator(1)), new Dropout(0.5, new Generator(2)), new ReLU());
        model.Eval();
        var f = Avalon.Compiler.Compiler.Compile(model, Checked());
        var x = Tensor.Randn([2, 3], new Generator(3));
        AssertClose(model.Forward(x), f.Invoke(x)[0], "first call");
        AssertClose(model.Forward(x), f.Invoke(x)[0], "compiled call");
        Assert.Equal(1, f.TraceCount);
        var linear = (Linear)model[0];
        using (new Avalon.Autodiff.NoGrad()) linear.Weight.Mul_(2);   // an in-place update is read by the compiled tape
        AssertClose(model.Forward(x), f.Invoke(x)[0], "after an in-place update");
        Assert.Equal(1, f.TraceCount);
        linear.Weight = Tensor.Randn([4, 3], new Generator(4)).RequiresGrad_();  // a new parameter object: retrace
        AssertClose(model.Forward(x), f.Invoke(x)[0], "after replacing a parameter");
        Assert.Equal(2, f.TraceCount);
        model.Train();
        f.Invoke(x);
        Assert.Equal(3, f.TraceCount);
    }
}
