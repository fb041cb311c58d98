namespace Avalon.Nn;

/// <summary>
/// Normalises the per-spatial-dimension arguments of the functional API (kernel size, stride, padding,
/// dilation, output size): PyTorch accepts one value for every dimension or one value per dimension.
/// </summary>
internal static class SizeArguments
{
    /// <summary>
    /// <paramref name="values"/> expanded to <paramref name="rank"/> values (a single value is repeated);
    /// null gives <paramref name="fallback"/> repeated.
    /// </summary>
    public static int[] Expand(string op, string name, int[]? values, int rank, int fallback)
    {
        if (values is null || values.Length == 0) return Repeat(fallback, rank);
        if (values.Length == 1) return Repeat(values[0], rank);
        if (values.Length != rank)
            throw OpErrors.Argument(
                op, $"expected {name} to be a single int or a list of {rank} ints, got [{string.Join(", ", values)}].");
        return (int[])values.Clone();
    }

    /// <summary>An array of <paramref name="rank"/> copies of <paramref name="value"/>.</summary>
    public static int[] Repeat(int value, int rank)
    {
        var result = new int[rank];
        Array.Fill(result, value);
        return result;
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a batched input: an unbatched input (rank <paramref name="spatial"/> + 1,
    /// i.e. [C, *spatial]) gets a batch dim of 1 that the result loses again. Any other rank than
    /// spatial + 1 or spatial + 2 throws, naming <paramref name="op"/> and the expected layouts.
    /// </summary>
    public static Tensor Batched(string op, Tensor input, int spatial, Func<Tensor, Tensor> body)
    {
        if (input.Rank == spatial + 2) return body(input);
        if (input.Rank == spatial + 1) return body(input.Unsqueeze(0)).Squeeze(0);
        throw OpErrors.Argument(
            op, $"expected {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, but got input of size: {input.Shape}.");
    }

    /// <summary>Like the single-result overload for a pair of results (values and indices).</summary>
    public static (Tensor, Tensor) Batched(string op, Tensor input, int spatial, Func<Tensor, (Tensor, Tensor)> body)
    {
        if (input.Rank == spatial + 2) return body(input);
        if (input.Rank == spatial + 1)
        {
            var (a, b) = body(input.Unsqueeze(0));
            return (a.Squeeze(0), b.Squeeze(0));
        }
        throw OpErrors.Argument(
            op, $"expected {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, but got input of size: {input.Shape}.");
    }
}
