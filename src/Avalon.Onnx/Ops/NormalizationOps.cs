namespace Avalon.Onnx.Ops;

/// <summary>BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, MeanVarianceNormalization.</summary>
internal static class NormalizationOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.Add("BatchNormalization", BatchNorm);
        t.One("InstanceNormalization", c =>
        {
            var x = c.Input(0);
            var dims = Enumerable.Range(2, x.Rank - 2).ToArray();
            var y = Normalize(x, dims, c.Float("epsilon", 1e-5)).Y;
            return y * Channel(c.Input(1), x.Rank) + Channel(c.Input(2), x.Rank);
        });
        t.Add("LayerNormalization", c =>
        {
            var x = c.Input(0);
            int axis = OnnxShapes.Axis(c.Int("axis", -1), x.Rank, c.Op);
            var dims = Enumerable.Range(axis, x.Rank - axis).ToArray();
            var (y, mean, invStd) = Normalize(x, dims, c.Float("epsilon", 1e-5));
            y = y * c.Input(1);
            if (c.OptionalInput(2) is { } b) y = y + b;
            return [y, mean, invStd];
        });
        t.One("GroupNormalization", c =>
        {
            var x = c.Input(0);
            int groups = (int)c.Int("num_groups", 1);
            var shape = x.Shape.ToArray();
            int n = shape[0], ch = shape[1];
            var grouped = x.Reshape(n, groups, -1);
            var y = Normalize(grouped, [2], c.Float("epsilon", 1e-5)).Y;
            var scale = c.Input(1); var bias = c.Input(2);
            if (scale.Numel == groups && groups != ch)
            {
                y = y * scale.Reshape(1, groups, 1) + bias.Reshape(1, groups, 1);
                return y.Reshape(shape);
            }
            return y.Reshape(shape) * Channel(scale, x.Rank) + Channel(bias, x.Rank);
        });
        t.One("MeanVarianceNormalization", c =>
        {
            var x = c.Input(0);
            var axes = c.Ints("axes") ?? [0, 2, 3];
            var dims = axes.Select(a => OnnxShapes.Axis(a, x.Rank, c.Op)).ToArray();
            var mean = x.Mean(dims, keepDim: true);
            var centered = x - mean;
            var std = centered.Square().Mean(dims, keepDim: true).Sqrt();
            return centered / (std + 1e-9);
        });
    }

    /// <summary>A per-channel vector shaped to broadcast over [N, C, *spatial].</summary>
    internal static Tensor Channel(Tensor v, int rank)
    {
        var shape = Enumerable.Repeat(1, rank).ToArray();
        shape[1] = v.Numel;
        return v.Reshape(shape);
    }

    /// <summary>(x − mean) / √(var + eps) over <paramref name="dims"/> with the biased variance; also the mean and 1/√(var + eps).</summary>
    private static (Tensor Y, Tensor Mean, Tensor InvStd) Normalize(Tensor x, int[] dims, double eps)
    {
        var mean = x.Mean(dims, keepDim: true);
        var centered = x - mean;
        var variance = centered.Square().Mean(dims, keepDim: true);
        var invStd = (variance + eps).Rsqrt();
        return (centered * invStd, mean, invStd);
    }

    private static Tensor?[] BatchNorm(OnnxOpContext c)
    {
        var x = c.Input(0);
        var scale = Channel(c.Input(1), x.Rank);
        var bias = Channel(c.Input(2), x.Rank);
        var mean = c.Input(3);
        var variance = c.Input(4);
        double eps = c.Float("epsilon", 1e-5);
        double momentum = c.Float("momentum", 0.9);
        bool training = c.Int("training_mode", 0) != 0 || (c.Opset < 14 && c.OutputCount > 1);
        if (!training)
        {
            var y = (x - Channel(mean, x.Rank)) * (Channel(variance, x.Rank) + eps).Rsqrt() * scale + bias;
            return [y];
        }
        var dims = Enumerable.Range(0, x.Rank).Where(d => d != 1).ToArray();
        var batchMean = x.Mean(dims, keepDim: true);
        var batchVar = (x - batchMean).Square().Mean(dims, keepDim: true);
        var output = (x - batchMean) * (batchVar + eps).Rsqrt() * scale + bias;
        var bm = batchMean.Reshape(-1);
        var bv = batchVar.Reshape(-1);
        var runningMean = mean * momentum + bm * (1 - momentum);
        var runningVar = variance * momentum + bv * (1 - momentum);
        return [output, runningMean, runningVar, bm, bv];
    }
}
