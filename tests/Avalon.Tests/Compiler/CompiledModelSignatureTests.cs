using Avalon.Autodiff;
using Avalon.Nn;
using static Avalon.Tests.Compiler.CompilerTestUtil;

namespace Avalon.Tests.Compiler;

/// <summary>
/// A compiled model's steady-state call checks its last signature by walking the module tree without
/// allocating, and still notices every change the full signature covers: a replaced parameter or buffer
/// object (in a field, a list, a container, a registered slot), a changed training mode, new input specs.
/// </summary>
[Collection(Backends.Cpu.ThreadCountCollection.Name)]
public sealed class CompiledModelSignatureTests
{
    /// <summary>A model with every kind of member the walk reads: fields, a list of tensors, a buffer, a registered parameter, containers.</summary>
    private sealed class Mixed : Module
    {
        public Mixed()
        {
            var g = new Generator(5);
            Body = new Sequential(new Linear(6, 8, generator: g), new ReLU());
            Heads = new ModuleDict { ["a"] = new Linear(8, 3, generator: g) };
            Blocks = new ModuleList(new Linear(3, 3, generator: g));
            Scales = [Tensor.Ones([3]), Tensor.Ones([3])];
            Shift = Tensor.Zeros([3]);
            RegisterParameter("gain", Tensor.Ones([3]));
        }

        public Sequential Body { get; set; }

        public ModuleDict Heads { get; }

        public ModuleList Blocks { get; }

        public List<Tensor> Scales { get; }

        [Buffer] public Tensor Shift { get; set; }

        public void SetGain(Tensor gain) => RegisterParameter("gain", gain);

        public override Tensor Forward(Tensor input)
        {
            var h = Blocks[0].Forward(Heads["a"].Forward(Body.Forward(input)));
            return h * Scales[0] * Scales[1] * RegisteredParameter("gain")! + Shift;
        }
    }

    [Fact]
    public void ASteadyStateCompiledPredictionCallAllocatesNothing()
    {
        int saved = Threads.Count;
        Threads.Count = 1;
        try
        {
            var model = new Mixed();
            model.Eval();
            using var noGrad = new NoGrad();
            var f = Avalon.Compiler.Compiler.Compile(model, Checked());
            Tensor[] args = [Tensor.Randn([2, 6], new Generator(1))];
            for (int i = 0; i < 5; i++) f.Invoke(args);
            // The least over three rounds: a one-off allocation (the runtime recompiling a method at a
            // higher tier) is not a per-call cost.
            long perCall = long.MaxValue;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 50; i++) f.Invoke(args);
                perCall = Math.Min(perCall, (GC.GetAllocatedBytesForCurrentThread() - before) / 50);
            }
            Assert.Equal(0, perCall);
            Assert.Equal(1, f.TraceCount);
            AssertClose(model.Forward(args[0]), f.Invoke(args)[0], "steady state");
        }
        finally
        {
            Threads.Count = saved;
        }
    }

    [Fact]
    public void TheSteadyStateCheckNoticesEveryReplacedMemberModeAndInputSpec()
    {
        var model = new Mixed();
        model.Eval();
        using var noGrad = new NoGrad();
        var f = Avalon.Compiler.Compiler.Compile(model, Checked());
        var x = Tensor.Randn([2, 6], new Generator(1));
        int traces = 0;
        void Check(string what, bool retraces)
        {
            f.Invoke(x);   // the call after the change
            AssertClose(model.Forward(x), f.Invoke(x)[0], what);
            if (retraces) traces++;
            Assert.True(traces == f.TraceCount, $"{what}: {f.TraceCount} traces, expected {traces}");
        }

        Check("first call", retraces: true);
        Check("unchanged", retraces: false);
        model.Scales[1] = Tensor.Full([3], 2.0);
        Check("a list element replaced", retraces: true);
        model.Shift = Tensor.Full([3], 0.5);
        Check("a buffer replaced", retraces: true);
        model.SetGain(Tensor.Full([3], 3.0));
        Check("a registered parameter replaced", retraces: true);
        model.Body[0] = new Linear(6, 8, generator: new Generator(7));
        Check("a Sequential element replaced", retraces: true);
        model.Heads["a"] = new Linear(8, 3, generator: new Generator(8));
        Check("a ModuleDict entry replaced", retraces: true);
        model.Blocks[0] = new Linear(3, 3, generator: new Generator(9));
        Check("a ModuleList element replaced", retraces: true);
        ((Linear)model.Blocks[0]).Bias = null;
        Check("a bias removed", retraces: true);
        var before = model.Body;
        model.Body = new Sequential(new Linear(6, 8, generator: new Generator(10)), new ReLU());
        Check("a child replaced", retraces: true);
        model.Body = before;
        Check("the child put back: the earlier tape", retraces: false);
        model.Train();
        Check("training mode", retraces: true);
        model.Eval();
        Check("evaluation mode again: the earlier tape", retraces: false);
        x = Tensor.Randn([3, 6], new Generator(2));
        Check("a new batch size", retraces: true);
        x = Tensor.Randn([3, 6], new Generator(3));
        Check("another batch of that size", retraces: false);
    }
}
