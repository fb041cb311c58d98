namespace Avalon.Onnx.Ops;

/// <summary>NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (reductions none, sum, mean; class weights; ignore_index).</summary>
internal static class LossOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("NegativeLogLikelihoodLoss", c => Nll(c, c.Input(0)));
        t.Add("SoftmaxCrossEntropyLoss", c =>
        {
            var logProb = c.Input(0).LogSoftmax(1);
            return [Nll(c, logProb), c.OutputWanted(1) ? logProb : null];
        });
    }

    private static Tensor Nll(OnnxOpContext c, Tensor input)
    {
        var target = c.Input(1).To(DType.Int64);
        var weight = c.OptionalInput(2);
        string reduction = c.String("reduction", "mean");
        long? ignore = c.IntOrNull("ignore_index");
        var x = input;
        var tgt = target;
        // Inputs [N, C, d1, ...] and targets [N, d1, ...].
        var valid = ignore is { } ig ? tgt.Ne(Tensor.Scalar(ig, DType.Int64)) : null;
        var safe = valid is null ? tgt : Tensor.Where(valid, tgt, Tensor.Scalar(0, DType.Int64));
        var picked = x.Gather(1, safe.Unsqueeze(1)).Squeeze(1);
        Tensor w;
        if (weight is not null) w = weight.IndexSelect(0, safe.Reshape(-1)).Reshape(safe.Shape.ToArray());
        else w = Tensor.OnesLike(picked);
        if (valid is not null) w = w * valid.To(w.DType);
        var loss = picked.Neg() * w;
        return reduction switch
        {
            "none" => loss,
            "sum" => loss.Sum(),
            "mean" => loss.Sum() / w.Sum(),
            _ => throw c.Unsupported($"reduction '{reduction}'"),
        };
    }
}
