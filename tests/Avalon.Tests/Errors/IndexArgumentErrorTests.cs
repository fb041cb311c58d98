using Avalon.Data;
using Avalon.Training.Metrics;

namespace Avalon.Tests.Errors;

/// <summary>
/// User-supplied indices and dims that fall outside their range raise an <see cref="ArgumentException"/>
/// (usually <see cref="ArgumentOutOfRangeException"/>) naming the operation: the library never lets an
/// <see cref="IndexOutOfRangeException"/> escape from an array access, 0-d tensors included.
/// </summary>
public class IndexArgumentErrorTests
{
    private static readonly Tensor Scalar = Tensor.Scalar(3f);
    private static readonly Tensor Matrix = Tensor.Randn(2, 3);
    private static readonly Tensor Index0d = Tensor.Scalar(0, DType.Int64);

    public static TheoryData<string, Action, string> Cases => new()
    {
        { "size of 0-d", () => Scalar.Size(0), "size" },
        { "shape[] of 0-d", () => _ = Scalar.Shape[0], "Shape[]" },
        { "select on 0-d", () => Scalar.Select(0, 0), "select" },
        { "narrow on 0-d", () => Scalar.Narrow(0, 0, 1), "narrow" },
        { "slice on 0-d", () => Scalar.Slice(0, 0, 1), "slice" },
        { "unbind on 0-d", () => Scalar.Unbind(0), "unbind" },
        { "split on 0-d", () => Scalar.Split(1, 0), "split" },
        { "chunk on 0-d", () => Scalar.Chunk(1, 0), "chunk" },
        { "topk on 0-d", () => Scalar.TopK(2, 0), "topk" },
        { "index_select on 0-d", () => Scalar.IndexSelect(0, Tensor.From(new long[] { 1 })), "index_select" },
        { "gather on 0-d", () => Scalar.Gather(0, Tensor.Scalar(1, DType.Int64)), "gather" },
        { "cat of 0-d", () => Tensor.Cat([Scalar, Scalar], 0), "cat" },
        { "select past the end", () => Matrix.Select(1, 3), "select" },
        { "select before the start", () => Matrix.Select(0, -3), "select" },
        { "indexer past the end", () => _ = Matrix[2], "index" },
        { "indexer from the end", () => _ = Matrix[0, ^4], "index" },
        { "too many indices", () => _ = Matrix[0, 0, 0], "index" },
        { "narrow past the end", () => Matrix.Narrow(1, 2, 2), "narrow" },
        { "transpose dim", () => Matrix.Transpose(0, 2), "transpose" },
        { "sample index", () => _ = new Sample(Matrix)[1], "Sample" },
        { "sample negative index", () => _ = new Sample(Matrix, Matrix)[-1], "Sample" },
        { "confusion matrix target", () => _ = new ConfusionMatrix(3)[3, 0], "ConfusionMatrix" },
        { "confusion matrix predicted", () => _ = new ConfusionMatrix(3)[0, -1], "ConfusionMatrix" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutOfRangeIndicesRaiseArgumentExceptionsNamingTheOp(string label, Action call, string op)
    {
        var e = Record.Exception(call);
        Assert.True(e is not null, $"{label}: expected an exception, none was raised.");
        Assert.True(e is ArgumentException, $"{label}: expected an ArgumentException, got {e.GetType().Name}: {e.Message}");
        Assert.Contains(op + ": ", e.Message);
    }
}
