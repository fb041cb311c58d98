namespace Avalon.Onnx;

/// <summary>Small shape and host-value helpers shared by the operators.</summary>
internal static class OnnxShapes
{
    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return checked((int)n);
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>An ONNX axis (negative counts from the end) as a dim index of a rank-<paramref name="rank"/> tensor.</summary>
    public static int Axis(long axis, int rank, string op)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1) && !(rank == 0 && a == 0))
            throw new ArgumentException($"{op}: axis {axis} is out of range for a tensor of rank {rank}.");
        return (int)a;
    }

    /// <summary>The values of a tensor read back to the host as int64 (shape inputs, axes, indices).</summary>
    public static long[] Longs(Tensor t) => t.DType == DType.Int64 ? t.ToArray<long>() : t.To(DType.Int64).ToArray<long>();

    /// <summary>The values of a tensor read back to the host as float64.</summary>
    public static double[] Doubles(Tensor t) => t.DType == DType.Float64 ? t.ToArray<double>() : t.To(DType.Float64).ToArray<double>();

    /// <summary>A dimension count from an int64, checked.</summary>
    public static int Dim(long value, string op) =>
        value is >= 0 and <= int.MaxValue ? (int)value : throw new ArgumentException($"{op}: dimension {value} is out of range.");

    public static int[] Dims(long[] values, string op) => Array.ConvertAll(values, v => Dim(v, op));

    /// <summary>An int64 1-D tensor of the given values.</summary>
    public static Tensor LongTensor(ReadOnlySpan<long> values) => Tensor.From(values.ToArray(), values.Length);

    /// <summary>A 0-d tensor of <paramref name="dtype"/>.</summary>
    public static Tensor Scalar(double value, DType dtype) => Tensor.Scalar(value, dtype);
}
