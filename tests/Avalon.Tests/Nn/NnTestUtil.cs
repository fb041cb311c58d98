using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn;

/// <summary>Conversions and comparisons shared by the Nn tests.</summary>
internal static class NnTestUtil
{
    /// <summary>A reference tensor as an Avalon tensor of the same dtype and shape.</summary>
    public static Tensor ToTensor(ReferenceTensor r)
    {
        Tensor t = r.Dtype switch
        {
            "float32" => Tensor.From(r.ToFloatArray()),
            "float64" => Tensor.From((double[])r.Data.Clone()),
            "int64" => Tensor.From(r.ToInt64Array()),
            "bool" => Tensor.From(r.Data.Select(v => v != 0).ToArray()),
            _ => throw new NotSupportedException($"reference dtype {r.Dtype}"),
        };
        return t.Reshape(r.Shape);
    }

    /// <summary>Asserts |actual - expected| ≤ atol + rtol·|expected| elementwise, with shapes equal.</summary>
    public static void AssertClose(ReferenceTensor expected, Tensor actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.True(expected.Shape.AsSpan().SequenceEqual(actual.Shape.AsSpan()),
            $"{what}: shape {actual.Shape}, expected [{string.Join(", ", expected.Shape)}]");
        AssertClose(expected.Data, actual.ToDoubleArray(), what, rtol, atol);
    }

    /// <summary>Asserts two arrays agree within tolerance, naming the first bad element.</summary>
    public static void AssertClose(double[] expected, double[] actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = atol + rtol * Math.Abs(expected[i]);
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tol,
                $"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (tolerance {tol:G3})");
        }
    }
}
