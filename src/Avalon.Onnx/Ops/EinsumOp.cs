namespace Avalon.Onnx.Ops;

/// <summary>
/// Einsum composed from views, broadcasting products and sums: each operand's repeated labels become a
/// diagonal, its labels are laid out on one shared axis order (broadcast ellipsis dims first), the
/// operands are multiplied, and the labels missing from the output are summed away.
/// </summary>
internal static class EinsumOp
{
    public static void Register(Dictionary<string, OnnxOp> t) => t.One("Einsum", Einsum);

    private static Tensor Einsum(OnnxOpContext c)
    {
        string equation = c.String("equation", "").Replace(" ", "", StringComparison.Ordinal);
        var arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var lhs = arrow >= 0 ? equation[..arrow] : equation;
        var terms = lhs.Split(',');
        if (terms.Length != c.InputCount)
            throw new ArgumentException($"{c.Op}: equation '{equation}' has {terms.Length} operands, got {c.InputCount} inputs.");
        var inputs = new Tensor[terms.Length];
        for (int i = 0; i < terms.Length; i++) inputs[i] = c.Input(i);
        var dtype = inputs[0].DType;
        bool integer = !dtype.IsFloatingPoint();
        int ellipsisRank = 0;
        for (int i = 0; i < terms.Length; i++)
            if (terms[i].Contains("...", StringComparison.Ordinal))
                ellipsisRank = Math.Max(ellipsisRank, inputs[i].Rank - (terms[i].Length - 3));
        // Labels: '0'..'9'-like placeholders for ellipsis dims, then letters in order of appearance.
        var order = new List<char>();
        for (int e = 0; e < ellipsisRank; e++) order.Add((char)(0x100 + e));
        var counts = new Dictionary<char, int>();
        var labelled = new List<char>[terms.Length];
        for (int i = 0; i < terms.Length; i++)
        {
            labelled[i] = Expand(terms[i], inputs[i].Rank, ellipsisRank, c);
            foreach (var ch in labelled[i])
            {
                if (!order.Contains(ch)) order.Add(ch);
                if (ch < 0x100) counts[ch] = counts.GetValueOrDefault(ch) + 1;
            }
        }
        List<char> output;
        if (arrow >= 0) output = Expand(equation[(arrow + 2)..], -1, ellipsisRank, c);
        else
        {
            output = Enumerable.Range(0, ellipsisRank).Select(e => (char)(0x100 + e)).ToList();
            output.AddRange(counts.Where(kv => kv.Value == 1).Select(kv => kv.Key).Order());
        }
        Tensor? product = null;
        for (int i = 0; i < terms.Length; i++)
        {
            var x = integer ? inputs[i].To(DType.Float64) : inputs[i];
            var labels = new List<char>(labelled[i]);
            // Repeated labels: take the diagonal (it moves to the last dim).
            for (int a = 0; a < labels.Count; a++)
            {
                for (int b = labels.Count - 1; b > a; b--)
                {
                    if (labels[a] != labels[b]) continue;
                    var ch = labels[a];
                    x = x.Diagonal(0, a, b);
                    labels.RemoveAt(b);
                    labels.RemoveAt(a);
                    labels.Add(ch);
                    a = -1;
                    break;
                }
            }
            // Ellipsis dims broadcast from the right: pad missing leading ones.
            var present = order.Where(labels.Contains).ToList();
            var perm = present.Select(ch => labels.IndexOf(ch)).ToArray();
            if (perm.Length > 1) x = x.Permute(perm);
            var shape = new int[order.Count];
            var xs = x.Shape.ToArray();
            for (int k = 0, p = 0; k < order.Count; k++) shape[k] = labels.Contains(order[k]) ? xs[p++] : 1;
            x = x.Reshape(shape);
            product = product is null ? x : product * x;
        }
        var sumDims = Enumerable.Range(0, order.Count).Where(k => !output.Contains(order[k])).ToArray();
        var y = product!;
        if (sumDims.Length > 0) y = y.Sum(sumDims, keepDim: false);
        var remaining = order.Where(output.Contains).ToList();
        // Broadcast size-1 dims (e.g. an operand's missing ellipsis dims) are kept as they are.
        var outPerm = output.Select(ch => remaining.IndexOf(ch)).ToArray();
        if (outPerm.Length > 1) y = y.Permute(outPerm);
        return integer ? y.To(dtype) : y.Contiguous();
    }

    private static List<char> Expand(string term, int rank, int ellipsisRank, OnnxOpContext c)
    {
        var labels = new List<char>();
        int dots = term.IndexOf("...", StringComparison.Ordinal);
        string plain = dots >= 0 ? term.Remove(dots, 3) : term;
        int own = dots >= 0 ? (rank < 0 ? ellipsisRank : rank - plain.Length) : 0;
        if (dots < 0 && rank >= 0 && plain.Length != rank)
            throw new ArgumentException($"{c.Op}: term '{term}' has {plain.Length} labels but its input has rank {rank}.");
        for (int i = 0; i < term.Length; i++)
        {
            if (i == dots)
            {
                for (int e = ellipsisRank - own; e < ellipsisRank; e++) labels.Add((char)(0x100 + e));
                i += 2;
                continue;
            }
            if (!char.IsLetter(term[i])) throw new ArgumentException($"{c.Op}: unexpected '{term[i]}' in equation term '{term}'.");
            labels.Add(term[i]);
        }
        return labels;
    }
}
