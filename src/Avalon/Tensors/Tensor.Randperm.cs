namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// A random permutation of the integers <c>0 … n−1</c> (PyTorch's <c>torch.randperm</c>): the positions
    /// that sort <paramref name="n"/> uniform float64 draws from <paramref name="generator"/> (the default
    /// generator when null), a composition of the <c>rand</c> and <c>sort</c> primitives, so the same generator
    /// state gives the same permutation on every device and a traced tape draws a fresh one on each replay.
    /// The sequence is not PyTorch's.
    /// </summary>
    /// <param name="n">The number of elements, at least 0.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    /// <param name="dtype">The integer dtype of the result; int64 by default.</param>
    /// <param name="device">Where the permutation is computed; <see cref="DefaultDevice"/> when null.</param>
    /// <returns>A 1-d tensor of length <paramref name="n"/> holding each of <c>0 … n−1</c> once.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not an integer dtype.</exception>
    public static Tensor Randperm(int n, Generator? generator = null, DType dtype = DType.Int64, Device? device = null)
    {
        if (n < 0) throw OpErrors.OutOfRange("randperm", nameof(n), n, $"n must be non-negative, got {n}.");
        if (!dtype.IsInteger())
            throw OpErrors.Argument("randperm", $"expected an integer dtype (int32 or int64), got {dtype.Name()}.", nameof(dtype));
        // Uniform float64 keys: ties have probability about n²/2⁵⁴, and sort is stable, so a tie still yields a permutation.
        var keys = Rand([n], generator, DType.Float64, device);
        var order = keys.Argsort();
        return dtype == DType.Int64 ? order : order.To(dtype);
    }
}
