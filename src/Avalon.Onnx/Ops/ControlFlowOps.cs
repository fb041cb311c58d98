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
        t.Add("Scan", Scan);
    }

    private static Tensor?[] Scan(OnnxOpContext c)
    {
        var proto = c.Graph("body") ?? throw new ArgumentException($"{c.Op}: the body subgraph is missing.");
        var (factory, run) = Body(c);
        var body = factory(proto);
        int m = (int)c.Int("num_scan_inputs", 0);
        if (c.Opset < 9)
        {
            // Opset 8: a leading sequence_lens input and a batch axis 0 on every input and output.
            if (c.OptionalInput(0) is not null) throw c.Unsupported("sequence_lens");
            var inputs = c.Inputs.Skip(1).Select(i => i!).ToArray();
            int batch = inputs[0].Shape[0];
            var perBatch = new List<Tensor[]>();
            for (int b = 0; b < batch; b++)
                perBatch.Add(ScanOnce(c, body, run, inputs.Select(t => t.Select(0, b)).ToArray(), m, proto));
            return Enumerable.Range(0, perBatch[0].Length).Select(k => (Tensor?)Tensor.Stack(perBatch.Select(p => p[k]).ToList(), 0)).ToArray();
        }
        return ScanOnce(c, body, run, c.Inputs.Select(i => i!).ToArray(), m, proto);
    }

    private static Tensor[] ScanOnce(OnnxOpContext c, OnnxGraph body, OnnxRunContext run, Tensor[] inputs, int m, global::Onnx.GraphProto proto)
    {
        int n = inputs.Length - m;
        var state = inputs[..n];
        var scanInputs = inputs[n..];
        bool legacy = c.Opset < 9;
        var inAxes = legacy ? new long[m] : c.Ints("scan_input_axes") ?? new long[m];
        var inDirs = c.Ints(legacy ? "directions" : "scan_input_directions") ?? new long[m];
        int k = proto.Output.Count - n;
        var outAxes = legacy ? new long[k] : c.Ints("scan_output_axes") ?? new long[k];
        var outDirs = legacy ? new long[k] : c.Ints("scan_output_directions") ?? new long[k];
        var axes = new int[m];
        for (int j = 0; j < m; j++) axes[j] = OnnxShapes.Axis(inAxes[j], scanInputs[j].Rank, c.Op);
        int steps = m > 0 ? scanInputs[0].Shape[axes[0]] : 0;
        var names = proto.Input.Select(i => i.Name).ToArray();
        var collected = new List<Tensor>[k];
        for (int j = 0; j < k; j++) collected[j] = [];
        for (int s = 0; s < steps; s++)
        {
            var env = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (int j = 0; j < n; j++) env[names[j]] = state[j];
            for (int j = 0; j < m; j++) env[names[n + j]] = scanInputs[j].Select(axes[j], inDirs[j] != 0 ? steps - 1 - s : s);
            var outputs = body.Run(env, run);
            for (int j = 0; j < n; j++) state[j] = outputs[j];
            for (int j = 0; j < k; j++) collected[j].Add(outputs[n + j]);
        }
        var result = new Tensor[n + k];
        for (int j = 0; j < n; j++) result[j] = state[j];
        for (int j = 0; j < k; j++)
        {
            var list = collected[j];
            if (outDirs[j] != 0) list.Reverse();
            var stacked = Tensor.Stack(list, 0);
            int axis = OnnxShapes.Axis(outAxes[j], stacked.Rank, c.Op);
            result[n + j] = axis == 0 ? stacked : stacked.Permute([.. Enumerable.Range(1, axis), 0, .. Enumerable.Range(axis + 1, stacked.Rank - axis - 1)]);
        }
        return result;
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
