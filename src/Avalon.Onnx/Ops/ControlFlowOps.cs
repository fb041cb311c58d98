namespace Avalon.Onnx.Ops;

/// <summary>If and Loop: their bodies are subgraphs that may read the enclosing graph's values.</summary>
internal static class ControlFlowOps
{
    /// <summary>Loop's safety bound on iterations when neither a trip count nor a condition ends it sooner.</summary>
    public const long MaxIterations = 10_000_000;

    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.Add("If", c =>
        {
            bool cond = c.Input(0).To(DType.Bool).Reshape(-1).ToArray<bool>()[0];
            var proto = c.Graph(cond ? "then_branch" : "else_branch")
                ?? throw new ArgumentException($"{c.Op}: the branch subgraph is missing.");
            return Body(c).Graph(proto).Run(new Dictionary<string, Tensor>(StringComparer.Ordinal), Body(c).Run);
        });
        t.Add("Loop", Loop);
    }

    private static (Func<global::Onnx.GraphProto, OnnxGraph> Graph, OnnxRunContext Run) Body(OnnxOpContext c)
    {
        var scope = c.Run.Scope;
        var outer = c.Run.OuterScope;
        var run = new OnnxRunContext(c.Run.Training, name => scope.TryGetValue(name, out var v) ? v : outer?.Invoke(name), c.Run.GraphFactory);
        return (c.Run.GraphFactory, run);
    }

    private static Tensor?[] Loop(OnnxOpContext c)
    {
        var proto = c.Graph("body") ?? throw new ArgumentException($"{c.Op}: the body subgraph is missing.");
        var (factory, run) = Body(c);
        var body = factory(proto);
        long trips = c.OptionalInput(0) is { } m ? OnnxShapes.Longs(m)[0] : long.MaxValue;
        bool cond = c.OptionalInput(1) is not { } ct || ct.To(DType.Bool).Reshape(-1).ToArray<bool>()[0];
        int carried = c.InputCount - 2;
        var state = new Tensor[carried];
        for (int i = 0; i < carried; i++) state[i] = c.Input(2 + i);
        var bodyInputs = proto.Input.Select(i => i.Name).ToArray();
        int scanCount = proto.Output.Count - 1 - carried;
        var scans = new List<Tensor>[Math.Max(scanCount, 0)];
        for (int i = 0; i < scans.Length; i++) scans[i] = [];
        for (long iter = 0; iter < trips && cond; iter++)
        {
            if (iter >= MaxIterations)
                throw new InvalidOperationException($"{c.Op}: more than {MaxIterations} iterations; the loop does not end.");
            var env = new Dictionary<string, Tensor>(StringComparer.Ordinal)
            {
                [bodyInputs[0]] = Tensor.Scalar(iter, DType.Int64),
                [bodyInputs[1]] = Tensor.Scalar(cond ? 1 : 0, DType.Bool),
            };
            for (int i = 0; i < carried; i++) env[bodyInputs[2 + i]] = state[i];
            var outputs = body.Run(env, run);
            cond = outputs[0].To(DType.Bool).Reshape(-1).ToArray<bool>()[0];
            for (int i = 0; i < carried; i++) state[i] = outputs[1 + i];
            for (int i = 0; i < scans.Length; i++) scans[i].Add(outputs[1 + carried + i]);
        }
        var result = new Tensor?[carried + scans.Length];
        for (int i = 0; i < carried; i++) result[i] = state[i];
        for (int i = 0; i < scans.Length; i++)
            result[carried + i] = scans[i].Count > 0 ? Tensor.Stack(scans[i], 0) : Tensor.Zeros([0], DType.Float32);
        return result;
    }
}
