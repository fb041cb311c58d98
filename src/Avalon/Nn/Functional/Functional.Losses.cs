namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>
    /// Mean squared error (x − y)² (PyTorch's <c>F.mse_loss</c>).
    /// </summary>
    /// <param name="input">x, any shape, floating point.</param>
    /// <param name="target">y, the same shape and dtype as <paramref name="input"/>.</param>
    /// <param name="reduction">None (per element), Mean (default) or Sum.</param>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckPair(input, target, "mse_loss");
        return Reduce((input - target).Square(), reduction, "mse_loss");
    }

    /// <summary>
    /// Mean absolute error |x − y| (PyTorch's <c>F.l1_loss</c>).
    /// </summary>
    /// <param name="input">x, any shape, floating point.</param>
    /// <param name="target">y, the same shape and dtype as <paramref name="input"/>.</param>
    /// <param name="reduction">None (per element), Mean (default) or Sum.</param>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckPair(input, target, "l1_loss");
        return Reduce((input - target).Abs(), reduction, "l1_loss");
    }

    /// <summary>
    /// Smooth L1: 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β, with d = x − y (PyTorch's
    /// <c>F.smooth_l1_loss</c>); β = 0 gives the L1 loss.
    /// </summary>
    /// <param name="input">x, any shape, floating point.</param>
    /// <param name="target">y, the same shape and dtype as <paramref name="input"/>.</param>
    /// <param name="reduction">None (per element), Mean (default) or Sum.</param>
    /// <param name="beta">β ≥ 0 (default 1), where the loss changes from quadratic to linear.</param>
    /// <exception cref="ArgumentException">The shapes or dtypes differ, or β is negative.</exception>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        CheckPair(input, target, "smooth_l1_loss");
        if (!(beta >= 0)) throw OpErrors.Argument("smooth_l1_loss", $"does not support negative values for beta, got {beta}.", nameof(beta));
        if (beta == 0) return L1Loss(input, target, reduction);
        var diff = (input - target).Abs();
        return Reduce(Tensor.Where(diff < beta, diff.Square() * (0.5 / beta), diff - 0.5 * beta), reduction, "smooth_l1_loss");
    }

    /// <summary>
    /// Huber loss: 0.5·d² where |d| &lt; δ, else δ·(|d| − 0.5·δ), with d = x − y (PyTorch's
    /// <c>F.huber_loss</c>).
    /// </summary>
    /// <param name="input">x, any shape, floating point.</param>
    /// <param name="target">y, the same shape and dtype as <paramref name="input"/>.</param>
    /// <param name="reduction">None (per element), Mean (default) or Sum.</param>
    /// <param name="delta">δ &gt; 0 (default 1), where the loss changes from quadratic to linear.</param>
    /// <exception cref="ArgumentException">The shapes or dtypes differ, or δ is not positive.</exception>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        CheckPair(input, target, "huber_loss");
        if (!(delta > 0)) throw OpErrors.Argument("huber_loss", $"does not support non-positive values for delta, got {delta}.", nameof(delta));
        var diff = (input - target).Abs();
        return Reduce(Tensor.Where(diff < delta, diff.Square() * 0.5, (diff - 0.5 * delta) * delta), reduction, "huber_loss");
    }

    /// <summary>
    /// Negative log-likelihood −w[y]·x[n, y] of class-index targets, given log-probabilities (PyTorch's
    /// <c>F.nll_loss</c>). Mean divides by the sum of the weights of the targets that are not ignored.
    /// </summary>
    /// <param name="input">Log-probabilities of shape <c>[C]</c>, <c>[N, C]</c> or <c>[N, C, d1, ...]</c>.</param>
    /// <param name="target">int64 class indices in [0, C) (or <paramref name="ignoreIndex"/>), shape <c>[]</c>, <c>[N]</c> or <c>[N, d1, ...]</c>.</param>
    /// <param name="weight">Optional per-class weights of shape <c>[C]</c>.</param>
    /// <param name="ignoreIndex">Targets equal to it contribute nothing (default −100).</param>
    /// <param name="reduction">None (per sample), Mean (default) or Sum.</param>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not <paramref name="ignoreIndex"/>.</exception>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        var (batched, batchedTarget) = BatchClassInput(input, target, "nll_loss");
        var parts = NllParts(batched, batchedTarget, weight, ignoreIndex, "nll_loss");
        var loss = ReduceNll(parts, reduction, "nll_loss");
        return reduction == Reduction.None && input.Rank == 1 ? loss.Squeeze(0) : loss;
    }

    /// <summary>
    /// Cross entropy between logits and targets (PyTorch's <c>F.cross_entropy</c>): log_softmax over the
    /// class dim followed by the negative log-likelihood. Targets are either int64 class indices (shape
    /// of the input without the class dim) or class probabilities (the input's shape and dtype).
    /// </summary>
    /// <remarks>
    /// With class indices, Mean divides by the sum of the weights of the targets that are not ignored;
    /// with probabilities it divides by the number of samples (N·d1·…). Label smoothing ε mixes the
    /// target with the uniform distribution: (1 − ε)·nll + ε/C·Σ_c −w[c]·log p[c], exactly as PyTorch 1.13.
    /// </remarks>
    /// <param name="input">Logits of shape <c>[C]</c>, <c>[N, C]</c> or <c>[N, C, d1, ...]</c>.</param>
    /// <param name="target">Class indices (int64) or class probabilities (floating point, same shape as input).</param>
    /// <param name="weight">Optional per-class weights of shape <c>[C]</c>.</param>
    /// <param name="ignoreIndex">Class-index targets equal to it contribute nothing (default −100).</param>
    /// <param name="reduction">None (per sample), Mean (default) or Sum.</param>
    /// <param name="labelSmoothing">ε in [0, 1] (default 0).</param>
    /// <exception cref="ArgumentException">Shapes, dtypes or arguments do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class index is outside [0, C) and not <paramref name="ignoreIndex"/>.</exception>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        const string op = "cross_entropy";
        CheckFloat(input, op);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction, op);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw OpErrors.Argument(op, $"label_smoothing must be between 0.0 and 1.0, got {labelSmoothing}.", nameof(labelSmoothing));
        if (target.DType.IsFloatingPoint() && target.Shape == input.Shape)
            return CrossEntropyProbabilities(input, target, weight, ignoreIndex, reduction, labelSmoothing);

        var (batched, batchedTarget) = BatchClassInput(input, target, op);
        var logProbs = batched.LogSoftmax(1);
        var parts = NllParts(logProbs, batchedTarget, weight, ignoreIndex, op);
        var loss = ReduceNll(parts, reduction, op);
        if (labelSmoothing > 0)
        {
            int classes = batched.Size(1);
            var smooth = -(weight is null ? logProbs : logProbs * ClassView(weight, batched.Rank)).Sum(1);
            smooth = smooth * parts.Keep;
            var smoothLoss = reduction switch
            {
                Reduction.None => smooth,
                Reduction.Sum => smooth.Sum(),
                _ => smooth.Sum() / parts.Weights.Sum(),
            };
            loss = loss * (1 - labelSmoothing) + smoothLoss * (labelSmoothing / classes);
        }
        return reduction == Reduction.None && input.Rank == 1 ? loss.Squeeze(0) : loss;
    }

    /// <summary>
    /// Binary cross entropy −w·(y·log x + (1 − y)·log(1 − x)) of probabilities x (PyTorch's
    /// <c>F.binary_cross_entropy</c>); each log is clamped at −100 like PyTorch, so x = 0 or 1 gives a
    /// finite loss.
    /// </summary>
    /// <param name="input">x, probabilities in [0, 1], any shape.</param>
    /// <param name="target">y, the same shape and dtype as <paramref name="input"/>.</param>
    /// <param name="weight">Optional weights, broadcastable to the input's shape.</param>
    /// <param name="reduction">None (per element), Mean (default) or Sum.</param>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit, or an input lies outside [0, 1].</exception>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        const string op = "binary_cross_entropy";
        CheckPair(input, target, op);
        CheckReduction(reduction, op);
        CheckElementWeight(weight, input, "weight", op);
        foreach (double v in input.ToDoubleArrayForCheck())
            if (!(v >= 0 && v <= 1))
                throw OpErrors.Argument(op, $"all elements of input should be between 0 and 1, found {v} (input {input.DType.Name()}{input.Shape}). Apply Sigmoid first, or use BinaryCrossEntropyWithLogits on logits.");
        var loss = -(target * ClampedLog(input) + (1 - target) * ClampedLog(1 - input));
        if (weight is not null) loss = loss * weight;
        return Reduce(loss, reduction, op);
    }

    /// <summary>
    /// Binary cross entropy of logits: −w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x))), computed stably without
    /// forming σ(x) (PyTorch's <c>F.binary_cross_entropy_with_logits</c>).
    /// </summary>
    /// <param name="input">x, logits, any shape.</param>
    /// <param name="target">y, the same shape and dtype as <paramref name="input"/>.</param>
    /// <param name="weight">Optional weights, broadcastable to the input's shape.</param>
    /// <param name="reduction">None (per element), Mean (default) or Sum.</param>
    /// <param name="posWeight">Optional weight p of positive examples, broadcastable to the input's shape (typically <c>[C]</c>).</param>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit.</exception>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null,
        Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
    {
        const string op = "binary_cross_entropy_with_logits";
        CheckPair(input, target, op);
        CheckReduction(reduction, op);
        CheckElementWeight(weight, input, "weight", op);
        CheckElementWeight(posWeight, input, "pos_weight", op);
        // log(1 + exp(−x)) = max(−x, 0) + log(1 + exp(−|x|)): no overflow for any x.
        var softplusNeg = (-input).ClampMin(0) + (-input.Abs()).Exp().Log1p();
        var loss = (1 - target) * input + (posWeight is null ? softplusNeg : ((posWeight - 1) * target + 1) * softplusNeg);
        if (weight is not null) loss = loss * weight;
        return Reduce(loss, reduction, op);
    }

    /// <summary>
    /// Kullback–Leibler divergence y·(log y − x) with x given as log-probabilities (PyTorch's
    /// <c>F.kl_div</c>); with <paramref name="logTarget"/> the target is log-probabilities too and the
    /// element is exp(y)·(y − x). Use <see cref="Reduction.BatchMean"/> for the true KL divergence per
    /// sample; Mean divides by the number of elements, as in PyTorch.
    /// </summary>
    /// <param name="input">x, log-probabilities, any shape.</param>
    /// <param name="target">y, the same shape and dtype as <paramref name="input"/>.</param>
    /// <param name="reduction">None, Mean (default), Sum or BatchMean (sum / size of dim 0).</param>
    /// <param name="logTarget">Whether the target holds log-probabilities (default false).</param>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        const string op = "kl_div";
        CheckPair(input, target, op);
        Tensor loss;
        if (logTarget)
        {
            loss = target.Exp() * (target - input);
        }
        else
        {
            // xlogy(y, y) − y·x, with 0·log 0 = 0; the inner Where keeps log finite where y = 0.
            var isZero = target.Eq(0);
            var xlogy = Tensor.Where(isZero, 0.0, target * Tensor.Where(isZero, 1.0, target).Log());
            loss = xlogy - target * input;
        }
        if (reduction == Reduction.BatchMean)
            return input.Rank == 0 ? loss.Sum() : loss.Sum() / input.Size(0);
        return Reduce(loss, reduction, op);
    }

    /// <summary>
    /// Cosine embedding loss (PyTorch's <c>F.cosine_embedding_loss</c>): 1 − cos(x₁, x₂) where y = 1 and
    /// max(0, cos(x₁, x₂) − margin) where y = −1 (other labels give 0).
    /// </summary>
    /// <param name="input1">x₁, shape <c>[N, D]</c> (or <c>[D]</c> with a 0-dim target).</param>
    /// <param name="input2">x₂, the same shape and dtype as <paramref name="input1"/>.</param>
    /// <param name="target">y, labels ±1 of shape <c>[N]</c> (or <c>[]</c>).</param>
    /// <param name="margin">The margin for dissimilar pairs (default 0).</param>
    /// <param name="reduction">None (per pair), Mean (default) or Sum.</param>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit.</exception>
    public static Tensor CosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
    {
        const string op = "cosine_embedding_loss";
        CheckPair(input1, input2, op, "input1", "input2");
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction, op);
        int targetDim = target.Rank;
        if (targetDim > 1)
            throw OpErrors.Argument(op, $"0D or 1D target tensor expected, multi-target not supported; got target of shape {target.Shape}.");
        if (input1.Rank != targetDim + 1)
            throw OpErrors.Argument(
                op, $"{targetDim}D target tensor expects {targetDim + 1}D input tensors, but found inputs with sizes {input1.Shape} and {input2.Shape}.");
        if (targetDim == 1 && target.Size(0) != input1.Size(0))
            throw OpErrors.Argument(op, $"expected a target of shape [{input1.Size(0)}] (one label per row of the inputs {input1.Shape}), got {target.Shape}.");
        const double epsilon = 1e-12; // PyTorch's EPSILON, which keeps zero vectors from dividing by 0
        var dot = (input1 * input2).Sum(targetDim);
        var norm1 = input1.Square().Sum(targetDim) + epsilon;
        var norm2 = input2.Square().Sum(targetDim) + epsilon;
        var cos = dot / (norm1 * norm2).Sqrt();
        var loss = Tensor.Where(target.Eq(1), 1 - cos, 0.0) + Tensor.Where(target.Eq(-1), (cos - margin).ClampMin(0), 0.0);
        return Reduce(loss, reduction, op);
    }

    /// <summary>
    /// Margin ranking loss max(0, −y·(x₁ − x₂) + margin) (PyTorch's <c>F.margin_ranking_loss</c>).
    /// </summary>
    /// <param name="input1">x₁, any shape, floating point.</param>
    /// <param name="input2">x₂, the same shape and dtype.</param>
    /// <param name="target">y, labels ±1, the same shape and dtype.</param>
    /// <param name="margin">The margin (default 0).</param>
    /// <param name="reduction">None (per element), Mean (default) or Sum.</param>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit.</exception>
    public static Tensor MarginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
    {
        const string op = "margin_ranking_loss";
        CheckPair(input1, input2, op, "input1", "input2");
        CheckPair(input1, target, op, "input1", "target");
        return Reduce((-target * (input1 - input2) + margin).ClampMin(0), reduction, op);
    }

    /// <summary>
    /// Triplet margin loss max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance of the last
    /// dim (PyTorch's <c>F.triplet_margin_loss</c>); with <paramref name="swap"/>, d(a, n) is replaced by
    /// min(d(a, n), d(p, n)).
    /// </summary>
    /// <param name="anchor">a, shape <c>[N, D]</c> or <c>[D]</c>.</param>
    /// <param name="positive">p, the same shape and dtype.</param>
    /// <param name="negative">n, the same shape and dtype.</param>
    /// <param name="margin">The margin (default 1).</param>
    /// <param name="p">The norm degree (default 2).</param>
    /// <param name="eps">Added to the differences before the norm, as PyTorch's pairwise_distance does (default 1e-6).</param>
    /// <param name="swap">Whether to use the distance swap (default false).</param>
    /// <param name="reduction">None (per triplet), Mean (default) or Sum.</param>
    /// <exception cref="ArgumentException">Shapes or dtypes do not fit.</exception>
    public static Tensor TripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin = 1.0, double p = 2,
        double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
    {
        const string op = "triplet_margin_loss";
        CheckPair(anchor, positive, op, "anchor", "positive");
        CheckPair(anchor, negative, op, "anchor", "negative");
        CheckReduction(reduction, op);
        if (anchor.Rank is not (1 or 2))
            throw OpErrors.Argument(op, $"expected inputs of shape [N, D] or [D], got anchor {anchor.Shape}.");
        if (!(p > 0)) throw OpErrors.Argument(op, $"the norm degree p must be positive, got {p}.", nameof(p));
        if (!(margin > 0)) throw OpErrors.Argument(op, $"margin must be greater than 0, got {margin}.", nameof(margin));
        var distancePositive = PairwiseDistance(anchor, positive, p, eps);
        var distanceNegative = PairwiseDistance(anchor, negative, p, eps);
        if (swap) distanceNegative = distanceNegative.Minimum(PairwiseDistance(positive, negative, p, eps));
        return Reduce((distancePositive - distanceNegative + margin).ClampMin(0), reduction, op);
    }

    // ‖x₁ − x₂ + eps‖_p over the last dim (PyTorch's pairwise_distance).
    private static Tensor PairwiseDistance(Tensor x1, Tensor x2, double p, double eps)
    {
        var diff = x1 - x2 + eps;
        if (p == 2) return diff.Square().Sum(-1).Sqrt();
        if (p == 1) return diff.Abs().Sum(-1);
        if (double.IsPositiveInfinity(p)) return diff.Abs().Amax(-1);
        return diff.Abs().Pow(p).Sum(-1).Pow(1 / p);
    }

    // Cross entropy against class probabilities (PyTorch 1.13's cross_entropy_loss_prob_target).
    private static Tensor CrossEntropyProbabilities(Tensor input, Tensor target, Tensor? weight, int ignoreIndex, Reduction reduction, double labelSmoothing)
    {
        const string op = "cross_entropy";
        if (target.DType != input.DType)
            throw OpErrors.Argument(op, $"expected probability targets of the input's dtype {input.DType.Name()}, got {target.DType.Name()}.");
        if (ignoreIndex >= 0)
            throw OpErrors.Argument(op, $"ignore_index ({ignoreIndex}) is not supported for floating point (probability) targets.");
        if (input.Rank == 0)
            throw OpErrors.Argument(op, $"expected an input of shape [C], [N, C] or [N, C, d1, ...], got a scalar.");
        int classDim = input.Rank == 1 ? 0 : 1;
        int classes = input.Size(classDim);
        CheckClassWeight(weight, input, classes, op);
        var logProbs = input.LogSoftmax(classDim);
        var probabilities = labelSmoothing > 0 ? target * (1 - labelSmoothing) + labelSmoothing / classes : target;
        var product = logProbs * probabilities;
        if (weight is not null) product = product * ClassView(weight, input.Rank);
        return reduction switch
        {
            Reduction.None => -product.Sum(classDim),
            Reduction.Sum => -product.Sum(),
            _ => -product.Sum() / (input.Numel == 0 ? double.NaN : (double)(input.Numel / classes)),
        };
    }

    // The parts of a negative log-likelihood: per-element losses −w[y]·x[n, y] (0 where ignored), the
    // per-element weights w[y] (0 where ignored), the divisor of Mean, and the keep mask (1, or 0 where ignored).
    private readonly record struct NllTerms(Tensor Losses, Tensor Weights, Tensor Keep);

    private static NllTerms NllParts(Tensor logProbs, Tensor target, Tensor? weight, int ignoreIndex, string op)
    {
        int classes = logProbs.Size(1);
        CheckClassWeight(weight, logProbs, classes, op);
        CheckTargets(target, classes, ignoreIndex, op);
        // The mask is built even when no target is ignored, so a recorded tape stays right when it is
        // replayed on targets that do hold ignore_index.
        var keep = target.Ne(ignoreIndex);
        var index = Tensor.Where(keep, target, 0.0);
        var picked = logProbs.Gather(1, index.Unsqueeze(1)).Squeeze(1);
        var keepMask = keep.To(logProbs.DType);
        var weights = weight is null ? keepMask : weight.IndexSelect(0, index.Reshape(-1)).Reshape(index.Shape.ToArray()) * keepMask;
        return new NllTerms(-(picked * weights), weights, keepMask);
    }

    private static Tensor ReduceNll(NllTerms parts, Reduction reduction, string op) => reduction switch
    {
        Reduction.None => parts.Losses,
        Reduction.Sum => parts.Losses.Sum(),
        Reduction.Mean => parts.Losses.Sum() / parts.Weights.Sum(),
        _ => throw BadReduction(reduction, op),
    };

    // Validates class-index input/target shapes and returns them with a batch dim (an unbatched [C] input
    // with a 0-dim target becomes [1, C] and [1]).
    private static (Tensor Input, Tensor Target) BatchClassInput(Tensor input, Tensor target, string op)
    {
        CheckFloat(input, op);
        ArgumentNullException.ThrowIfNull(target);
        if (target.DType != DType.Int64)
            throw OpErrors.Argument(
                op, $"expected class-index targets of dtype int64, got {target.DType.Name()}{target.Shape} (input {input.DType.Name()}{input.Shape}). "
                + (target.DType.IsFloatingPoint() ? "Probability targets must have the input's shape." : "Convert with .To(DType.Int64)."));
        if (input.Rank == 0)
            throw OpErrors.Argument(op, $"expected an input of shape [C], [N, C] or [N, C, d1, ...], got a scalar.");
        if (input.Rank == 1)
        {
            if (target.Rank != 0)
                throw OpErrors.Argument(op, $"an unbatched input of shape {input.Shape} expects a 0-dim target, got {target.Shape}.");
            return (input.Unsqueeze(0), target.Unsqueeze(0));
        }
        var expected = new int[input.Rank - 1];
        expected[0] = input.Size(0);
        for (int d = 2; d < input.Rank; d++) expected[d - 1] = input.Size(d);
        if (!target.Shape.AsSpan().SequenceEqual(expected))
            throw OpErrors.Argument(
                op, $"expected target of shape {ShapeUtil.Format(expected)} (the input {input.Shape} without its class dim 1), got {target.Shape}.");
        return (input, target);
    }

    private static void CheckTargets(Tensor target, int classes, int ignoreIndex, string op)
    {
        foreach (long t in target.ToArrayForCheck<long>())
            if ((t < 0 || t >= classes) && t != ignoreIndex)
                throw OpErrors.OutOfRange(op, nameof(target), t,
                    $"target {t} is out of bounds: expected class indices in [0, {classes}) (or ignore_index {ignoreIndex}) for an input with {classes} classes.");
    }

    private static void CheckClassWeight(Tensor? weight, Tensor input, int classes, string op)
    {
        if (weight is null) return;
        if (weight.Rank != 1 || weight.Size(0) != classes)
            throw OpErrors.Argument(
                op, $"weight tensor should be defined either for all {classes} classes or no classes, but got weight tensor of shape {weight.Shape}.");
        if (weight.DType != input.DType)
            throw OpErrors.Argument(op, $"expected a weight of the input's dtype {input.DType.Name()}, got {weight.DType.Name()}.");
    }

    private static void CheckElementWeight(Tensor? weight, Tensor input, string name, string op)
    {
        if (weight is null) return;
        if (weight.DType != input.DType)
            throw OpErrors.Argument(op, $"expected {name} of the input's dtype {input.DType.Name()}, got {weight.DType.Name()}.");
        if (!ShapeUtil.CanBroadcastTo(weight.Shape.AsSpan(), input.Shape.AsSpan()))
            throw OpErrors.Argument(op, $"{name} of shape {weight.Shape} cannot be broadcast to the input's shape {input.Shape}.");
    }

    // The per-class weight [C] shaped to broadcast along dim 1 of a rank-`rank` tensor (dim 0 when rank 1).
    private static Tensor ClassView(Tensor weight, int rank)
    {
        if (rank <= 2) return weight;
        var shape = new int[rank - 1];
        Array.Fill(shape, 1);
        shape[0] = weight.Size(0);
        return weight.Reshape(shape);
    }

    // log(x) clamped at −100 like PyTorch's binary_cross_entropy; the inner Where keeps log finite (and its
    // gradient 0, not NaN) where x = 0.
    private static Tensor ClampedLog(Tensor x)
    {
        var positive = x > 0;
        return Tensor.Where(positive, Tensor.Where(positive, x, 1.0).Log().ClampMin(-100), -100.0);
    }

    private static void CheckPair(Tensor input, Tensor target, string op, string inputName = "input", string targetName = "target")
    {
        ArgumentNullException.ThrowIfNull(input, inputName);
        ArgumentNullException.ThrowIfNull(target, targetName);
        if (!input.DType.IsFloatingPoint())
            throw OpErrors.Argument(op, $"expected a floating-point {inputName}, got {input.DType.Name()}{input.Shape}.");
        if (target.DType != input.DType)
            throw OpErrors.Argument(
                op, $"expected {targetName} of the {inputName}'s dtype {input.DType.Name()}, got {target.DType.Name()}{target.Shape}. Convert with .To(DType.{input.DType}).");
        if (target.Shape != input.Shape)
            throw OpErrors.Argument(
                op, $"{targetName} shape {target.Shape} differs from {inputName} shape {input.Shape}; expected the same shape (nothing is broadcast).");
    }

    private static void CheckReduction(Reduction reduction, string op)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum)) throw BadReduction(reduction, op);
    }

    private static Tensor Reduce(Tensor loss, Reduction reduction, string op) => reduction switch
    {
        Reduction.None => loss,
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        _ => throw BadReduction(reduction, op),
    };

    private static ArgumentException BadReduction(Reduction reduction, string op) =>
        new($"{op}: reduction {reduction} is not supported; expected None, Mean or Sum (BatchMean is for KlDiv only).", nameof(reduction));
}
