namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>
    /// softmax(Q Kᵀ · scale + mask) V (PyTorch 2's <c>F.scaled_dot_product_attention</c>, its documented
    /// definition computed with tensor operations, so it is recorded and differentiable).
    /// </summary>
    /// <param name="query">Q, shape <c>[*, L, E]</c>.</param>
    /// <param name="key">K, shape <c>[*, S, E]</c>; the batch dims broadcast against the query's.</param>
    /// <param name="value">V, shape <c>[*, S, Ev]</c>.</param>
    /// <param name="attnMask">
    /// Null, or a mask broadcastable to <c>[*, L, S]</c>. A <b>bool</b> mask says which positions take
    /// part: <c>true</c> = attend, <c>false</c> = masked out (PyTorch's SDPA convention, the opposite of
    /// <see cref="MultiheadAttention"/>'s bool masks). A floating-point mask is added to the scores.
    /// </param>
    /// <param name="dropoutP">Dropout probability on the attention weights, applied whenever it is above 0
    /// (as PyTorch: pass 0 in evaluation).</param>
    /// <param name="isCausal">Mask out the positions above the diagonal of the <c>[L, S]</c> score matrix
    /// (query i attends to keys 0..i, top-left aligned); no <paramref name="attnMask"/> may be given with it.</param>
    /// <param name="scale">The score scale; null for 1/√E.</param>
    /// <param name="generator">Source of the dropout mask (the default generator when null).</param>
    /// <returns>Shape <c>[*, L, Ev]</c>. A query row whose every key is masked out gives NaN (softmax of −∞ only), as PyTorch.</returns>
    /// <exception cref="ArgumentException">The shapes or the mask do not fit, or a mask is given with <paramref name="isCausal"/>.</exception>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        double dropoutP = 0, bool isCausal = false, double? scale = null, Generator? generator = null)
    {
        const string op = "scaled_dot_product_attention";
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2)
            throw OpErrors.Argument(op, $"expected query, key and value of rank 2 or more ([*, L, E], [*, S, E], [*, S, Ev]), got shapes {query.Shape}, {key.Shape} and {value.Shape}.");
        if (query.Size(-1) != key.Size(-1))
            throw OpErrors.Argument(op, $"the query's last dim ({query.Size(-1)}, shape {query.Shape}) must equal the key's ({key.Size(-1)}, shape {key.Shape}).");
        if (key.Size(-2) != value.Size(-2))
            throw OpErrors.Argument(op, $"key and value must have the same sequence length S, got shapes {key.Shape} and {value.Shape}.");
        if (!query.DType.IsFloatingPoint() || key.DType != query.DType || value.DType != query.DType)
            throw OpErrors.Argument(op, $"expected query, key and value of one floating-point dtype, got {query.DType.Name()}, {key.DType.Name()} and {value.DType.Name()}.");
        if (!(dropoutP >= 0 && dropoutP <= 1))
            throw OpErrors.Argument(op, $"dropout_p has to be between 0 and 1, but got {dropoutP}.");
        if (isCausal && attnMask is not null)
            throw OpErrors.Argument(op, $"explicit attn_mask should not be set when is_causal=True.");
        int l = query.Size(-2), s = key.Size(-2);
        Tensor? additive = null;
        if (isCausal)
        {
            additive = CausalAdditiveMask(l, s, query.DType);
        }
        else if (attnMask is not null)
        {
            if (attnMask.Rank < 2 || attnMask.Size(-2) != l && attnMask.Size(-2) != 1 || attnMask.Size(-1) != s && attnMask.Size(-1) != 1)
                throw OpErrors.Argument(op, $"attn_mask of shape {attnMask.Shape} does not broadcast to the scores [*, L={l}, S={s}].");
            additive = attnMask.DType switch
            {
                DType.Bool => Tensor.Where(attnMask, 0.0, Tensor.Full([], double.NegativeInfinity, query.DType)),
                var d when d.IsFloatingPoint() => attnMask.DType == query.DType ? attnMask : attnMask.To(query.DType),
                _ => throw OpErrors.Argument(op, $"attn_mask must be bool or floating point, got {attnMask.DType.Name()}{attnMask.Shape}."),
            };
        }
        double factor = scale ?? 1 / Math.Sqrt(query.Size(-1));
        var scores = query.MatMul(key.Transpose(-2, -1)) * factor;
        if (additive is not null) scores = scores + additive;
        var weights = scores.Softmax(-1);
        if (dropoutP > 0) weights = weights.Dropout(dropoutP, true, generator);
        return weights.MatMul(value);
    }

    /// <summary>An <c>[L, S]</c> additive mask: 0 on and below the diagonal, −∞ above it (keys after the query).</summary>
    private static Tensor CausalAdditiveMask(int l, int s, DType dtype) =>
        Tensor.Full([l, s], double.NegativeInfinity, dtype).Triu(1);

    /// <summary>
    /// A bool (true = masked out) or floating-point (added) mask as an additive mask of <paramref name="dtype"/>:
    /// 0 where attention is allowed, −∞ where a bool mask is true.
    /// </summary>
    private static Tensor ToAdditiveMask(string op, string name, Tensor mask, DType dtype) => mask.DType switch
    {
        DType.Bool => Tensor.Where(mask, Tensor.Full([], double.NegativeInfinity, dtype), 0.0),
        var d when d.IsFloatingPoint() => d == dtype ? mask : mask.To(dtype),
        _ => throw OpErrors.Argument(op, $"only bool and floating-point {name} are supported, got {mask.DType.Name()}{mask.Shape}."),
    };

    /// <summary>
    /// The multi-head attention of <see cref="MultiheadAttention"/> on sequence-first input
    /// (PyTorch's <c>F.multi_head_attention_forward</c>): project the query, key and value, split the
    /// embedding into <paramref name="numHeads"/> heads, attend in each head
    /// (softmax(q kᵀ/√head_dim + mask) v), join the heads and project the result.
    /// </summary>
    /// <param name="query">[L, N, E] (or unbatched [L, E]).</param>
    /// <param name="key">[S, N, kdim] (or [S, kdim]).</param>
    /// <param name="value">[S, N, vdim] (or [S, vdim]).</param>
    /// <param name="embedDimToCheck">E, the model dimension.</param>
    /// <param name="numHeads">Number of heads; divides E.</param>
    /// <param name="inProjWeight">The packed [3E, E] projection of q, k and v, or null when separate weights are given.</param>
    /// <param name="inProjBias">The packed [3E] projection bias, or null.</param>
    /// <param name="biasK">[1, 1, E] appended to the keys, or null.</param>
    /// <param name="biasV">[1, 1, E] appended to the values, or null.</param>
    /// <param name="addZeroAttn">Append a zero key and value (after the projections and biases).</param>
    /// <param name="dropoutP">Dropout probability on the attention weights (only while <paramref name="training"/>).</param>
    /// <param name="outProjWeight">The [E, E] output projection.</param>
    /// <param name="outProjBias">The [E] output projection bias, or null.</param>
    /// <param name="training">Whether dropout is applied.</param>
    /// <param name="keyPaddingMask">[N, S] (or [S]): bool (true = the key is padding, ignored) or float (added).</param>
    /// <param name="needWeights">Also return the attention weights.</param>
    /// <param name="attnMask">[L, S] or [N·numHeads, L, S]: bool (true = not allowed to attend) or float (added).</param>
    /// <param name="qProjWeight">[E, E] query projection when the weights are separate (kdim or vdim differ from E).</param>
    /// <param name="kProjWeight">[E, kdim] key projection, or null.</param>
    /// <param name="vProjWeight">[E, vdim] value projection, or null.</param>
    /// <param name="averageAttnWeights">Average the returned weights over the heads ([N, L, S]) rather than per head ([N, numHeads, L, S]).</param>
    /// <param name="generator">Source of the dropout mask (the default generator when null).</param>
    /// <returns>The output [L, N, E] (or [L, E]) and, with <paramref name="needWeights"/>, the weights after dropout
    /// (as PyTorch 1.13); a query whose every key is masked gives NaN rows.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or mask does not fit.</exception>
    public static (Tensor Output, Tensor? Weights) MultiHeadAttentionForward(
        Tensor query, Tensor key, Tensor value, int embedDimToCheck, int numHeads,
        Tensor? inProjWeight, Tensor? inProjBias, Tensor? biasK, Tensor? biasV, bool addZeroAttn, double dropoutP,
        Tensor outProjWeight, Tensor? outProjBias, bool training = true, Tensor? keyPaddingMask = null,
        bool needWeights = true, Tensor? attnMask = null, Tensor? qProjWeight = null, Tensor? kProjWeight = null,
        Tensor? vProjWeight = null, bool averageAttnWeights = true, Generator? generator = null)
    {
        const string op = "multi_head_attention_forward";
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(outProjWeight);
        bool batched = CheckAttentionShapes(op, query, key, value, keyPaddingMask, attnMask, numHeads);
        if (!batched)
        {
            query = query.Unsqueeze(1);
            key = key.Unsqueeze(1);
            value = value.Unsqueeze(1);
            keyPaddingMask = keyPaddingMask?.Unsqueeze(0);
        }
        int tgtLen = query.Size(0), bsz = query.Size(1), embedDim = query.Size(2);
        int srcLen = key.Size(0);
        if (embedDim != embedDimToCheck)
            throw OpErrors.Argument(op, $"was expecting embedding dimension of {embedDimToCheck}, but got {embedDim} (query shape {query.Shape}).");
        if (numHeads < 1 || embedDim % numHeads != 0)
            throw OpErrors.Argument(op, $"embed_dim {embedDim} not divisible by num_heads {numHeads}.");
        int headDim = embedDim / numHeads;
        if (key.Size(0) != value.Size(0) || key.Size(1) != value.Size(1))
            throw OpErrors.Argument(op, $"key's sequence and batch dims ({key.Shape}) do not match value's ({value.Shape}).");
        if (key.Size(1) != bsz)
            throw OpErrors.Argument(op, $"the key's batch size must equal the query's, got shapes {query.Shape} and {key.Shape}.");
        if (keyPaddingMask is not null && !keyPaddingMask.DType.IsFloatingPoint() && keyPaddingMask.DType != DType.Bool)
            throw OpErrors.Argument(op, $"only bool and floating types of key_padding_mask are supported, got {keyPaddingMask.DType.Name()}.");

        // Input projections.
        Tensor q, k, v;
        if (inProjWeight is not null)
        {
            if (inProjWeight.Rank != 2 || inProjWeight.Size(0) != 3 * embedDim || inProjWeight.Size(1) != embedDim)
                throw OpErrors.Argument(op, $"expected in_proj_weight of shape [{3 * embedDim}, {embedDim}], got {inProjWeight.Shape}.");
            if (key.Size(2) != embedDim || value.Size(2) != embedDim)
                throw OpErrors.Argument(op, $"with a packed in_proj_weight, key and value must have the embedding dim {embedDim}, got shapes {key.Shape} and {value.Shape}.");
            var w = inProjWeight.Chunk(3);
            var b = SplitBias(op, inProjBias, embedDim);
            q = Linear(query, w[0], b?[0]);
            k = Linear(key, w[1], b?[1]);
            v = Linear(value, w[2], b?[2]);
        }
        else
        {
            if (qProjWeight is null || kProjWeight is null || vProjWeight is null)
                throw OpErrors.Argument(op, $"give either in_proj_weight or all of q_proj_weight, k_proj_weight and v_proj_weight.");
            RequireShape(op, "q_proj_weight", qProjWeight, embedDim, embedDim);
            RequireShape(op, "k_proj_weight", kProjWeight, embedDim, key.Size(2));
            RequireShape(op, "v_proj_weight", vProjWeight, embedDim, value.Size(2));
            var b = SplitBias(op, inProjBias, embedDim);
            q = Linear(query, qProjWeight, b?[0]);
            k = Linear(key, kProjWeight, b?[1]);
            v = Linear(value, vProjWeight, b?[2]);
        }

        // The attention mask, as an additive [1 or N·H, L, S] mask.
        Tensor? mask = null;
        if (attnMask is not null)
        {
            mask = ToAdditiveMask(op, "attn_mask", attnMask, q.DType);
            if (attnMask.Rank == 2)
            {
                if (attnMask.Size(0) != tgtLen || attnMask.Size(1) != srcLen)
                    throw OpErrors.Argument(op, $"the shape of the 2D attn_mask is {attnMask.Shape}, but should be [{tgtLen}, {srcLen}].");
                mask = mask.Unsqueeze(0);
            }
            else if (attnMask.Size(0) != bsz * numHeads || attnMask.Size(1) != tgtLen || attnMask.Size(2) != srcLen)
            {
                throw OpErrors.Argument(op, $"the shape of the 3D attn_mask is {attnMask.Shape}, but should be [{bsz * numHeads}, {tgtLen}, {srcLen}].");
            }
        }
        Tensor? padding = keyPaddingMask is null ? null : ToAdditiveMask(op, "key_padding_mask", keyPaddingMask, q.DType);
        if (padding is not null && (padding.Size(0) != bsz || padding.Size(1) != srcLen))
            throw OpErrors.Argument(op, $"expecting key_padding_mask shape of [{bsz}, {srcLen}], but got {keyPaddingMask!.Shape}.");

        if (biasK is not null || biasV is not null)
        {
            if (biasK is null || biasV is null)
                throw OpErrors.Argument(op, $"bias_k and bias_v must be given together.");
            RequireShape(op, "bias_k", biasK, 1, 1, embedDim);
            RequireShape(op, "bias_v", biasV, 1, 1, embedDim);
            k = Tensor.Cat([k, biasK.Repeat(1, bsz, 1)]);
            v = Tensor.Cat([v, biasV.Repeat(1, bsz, 1)]);
            mask = mask?.Pad([0, 1]);
            padding = padding?.Pad([0, 1]);
        }

        // Split the heads: [L, N, E] -> [N·H, L, head_dim].
        q = q.Reshape(tgtLen, bsz * numHeads, headDim).Transpose(0, 1);
        k = k.Reshape(k.Size(0), bsz * numHeads, headDim).Transpose(0, 1);
        v = v.Reshape(v.Size(0), bsz * numHeads, headDim).Transpose(0, 1);
        if (addZeroAttn)
        {
            k = Tensor.Cat([k, Tensor.Zeros([bsz * numHeads, 1, headDim], k.DType)], 1);
            v = Tensor.Cat([v, Tensor.Zeros([bsz * numHeads, 1, headDim], v.DType)], 1);
            mask = mask?.Pad([0, 1]);
            padding = padding?.Pad([0, 1]);
        }
        srcLen = k.Size(1);
        if (padding is not null)
        {
            // [N, S] -> [N·H, 1, S], each sample's mask repeated for its heads.
            var perHead = padding.Reshape(bsz, 1, 1, srcLen).Expand(bsz, numHeads, 1, srcLen).Reshape(bsz * numHeads, 1, srcLen);
            mask = mask is null ? perHead : mask + perHead;
        }

        if (!training) dropoutP = 0;
        if (!(dropoutP >= 0 && dropoutP <= 1))
            throw OpErrors.Argument(op, $"dropout probability has to be between 0 and 1, but got {dropoutP}.");
        var scores = (q / Math.Sqrt(headDim)).MatMul(k.Transpose(-2, -1));
        if (mask is not null) scores = scores + mask;
        var weights = scores.Softmax(-1);
        if (dropoutP > 0) weights = weights.Dropout(dropoutP, true, generator);
        var attended = weights.MatMul(v);                                   // [N·H, L, head_dim]
        var joined = attended.Transpose(0, 1).Reshape(tgtLen * bsz, embedDim);
        var output = Linear(joined, outProjWeight, outProjBias).Reshape(tgtLen, bsz, embedDim);

        Tensor? returned = null;
        if (needWeights)
        {
            returned = weights.Reshape(bsz, numHeads, tgtLen, srcLen);
            if (averageAttnWeights) returned = returned.Sum(1) / numHeads;
            if (!batched) returned = returned.Squeeze(0);
        }
        if (!batched) output = output.Squeeze(1);
        return (output, returned);
    }

    /// <summary>PyTorch's <c>_mha_shape_check</c>: whether the input is batched, and that the masks have ranks that fit.</summary>
    private static bool CheckAttentionShapes(string op, Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask, Tensor? attnMask, int numHeads)
    {
        if (query.Rank == 3)
        {
            if (key.Rank != 3 || value.Rank != 3)
                throw OpErrors.Argument(op, $"for batched (3-D) query, expected key and value to be 3-D but found {key.Rank}-D and {value.Rank}-D tensors (shapes {key.Shape} and {value.Shape}).");
            if (keyPaddingMask is not null && keyPaddingMask.Rank != 2)
                throw OpErrors.Argument(op, $"for batched (3-D) query, expected key_padding_mask to be null or 2-D but found a {keyPaddingMask.Rank}-D tensor of shape {keyPaddingMask.Shape}.");
            if (attnMask is not null && attnMask.Rank is not (2 or 3))
                throw OpErrors.Argument(op, $"for batched (3-D) query, expected attn_mask to be null, 2-D or 3-D but found a {attnMask.Rank}-D tensor of shape {attnMask.Shape}.");
            return true;
        }
        if (query.Rank == 2)
        {
            if (key.Rank != 2 || value.Rank != 2)
                throw OpErrors.Argument(op, $"for unbatched (2-D) query, expected key and value to be 2-D but found {key.Rank}-D and {value.Rank}-D tensors (shapes {key.Shape} and {value.Shape}).");
            if (keyPaddingMask is not null && keyPaddingMask.Rank != 1)
                throw OpErrors.Argument(op, $"for unbatched (2-D) query, expected key_padding_mask to be null or 1-D but found a {keyPaddingMask.Rank}-D tensor of shape {keyPaddingMask.Shape}.");
            if (attnMask is not null && attnMask.Rank is not (2 or 3))
                throw OpErrors.Argument(op, $"for unbatched (2-D) query, expected attn_mask to be null, 2-D or 3-D but found a {attnMask.Rank}-D tensor of shape {attnMask.Shape}.");
            if (attnMask is not null && attnMask.Rank == 3 && (attnMask.Size(0) != numHeads || attnMask.Size(1) != query.Size(0) || attnMask.Size(2) != key.Size(0)))
                throw OpErrors.Argument(op, $"expected attn_mask shape to be [{numHeads}, {query.Size(0)}, {key.Size(0)}] but got {attnMask.Shape}.");
            return false;
        }
        throw OpErrors.Argument(op, $"query should be unbatched 2D or batched 3D tensor but received a {query.Rank}-D query tensor of shape {query.Shape}.");
    }

    private static Tensor[]? SplitBias(string op, Tensor? bias, int embedDim)
    {
        if (bias is null) return null;
        if (bias.Rank != 1 || bias.Size(0) != 3 * embedDim)
            throw OpErrors.Argument(op, $"expected in_proj_bias of shape [{3 * embedDim}], got {bias.Shape}.");
        return bias.Chunk(3);
    }

    private static void RequireShape(string op, string name, Tensor t, params int[] shape)
    {
        if (!t.Shape.AsSpan().SequenceEqual(shape))
            throw OpErrors.Argument(op, $"expecting {name} of shape {ShapeUtil.Format(shape)}, but got {t.Shape}.");
    }
}
