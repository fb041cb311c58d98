namespace Avalon.Tests.Errors;

/// <summary>Bad inputs to the joining, indexing and padding operations, and the message each must give.</summary>
public class IndexingErrorTests
{
    private static Tensor F(params int[] shape) => Tensor.Zeros(shape);

    private static Tensor I(params long[] values) => Tensor.From(values);

    private static readonly Dictionary<string, (Action Act, Type Exception, string[] Fragments)> s_cases = new()
    {
        ["cat empty list"] = (() => Tensor.Cat([]), typeof(ArgumentException), ["cat", "non-empty"]),
        ["cat dtype"] = (() => Tensor.Cat([F(2), Tensor.Zeros([2], DType.Int64)]), typeof(ArgumentException), ["cat", "float32[2]", "int64[2]", "dtype"]),
        ["cat sizes"] = (() => Tensor.Cat([F(2, 3), F(3, 3)], 1), typeof(ArgumentException), ["cat", "dimension 1", "size 2", "size 3", "input 1 at dimension 0"]),
        ["cat rank"] = (() => Tensor.Cat([F(2, 3), F(2)], 0), typeof(ArgumentException), ["cat", "same number of dimensions", "[2, 3]", "[2]"]),
        ["cat zero-dim"] = (() => Tensor.Cat([Tensor.Scalar(1.0)]), typeof(ArgumentException), ["cat", "zero-dimensional"]),
        ["cat dim"] = (() => Tensor.Cat([F(2, 3)], 2), typeof(ArgumentOutOfRangeException), ["cat", "dimension out of range", "got 2"]),
        ["stack shapes"] = (() => Tensor.Stack([F(2, 3), F(3, 2)]), typeof(ArgumentException), ["stack", "[2, 3]", "[3, 2]", "entry 1"]),
        ["split sizes"] = (() => F(5, 2).Split([2, 2]), typeof(ArgumentException), ["split", "sum to 4", "size 5"]),
        ["split size zero"] = (() => F(5).Split(0), typeof(ArgumentException), ["split", "positive", "got 0"]),
        ["chunk zero"] = (() => F(5).Chunk(0), typeof(ArgumentException), ["chunk", "positive"]),
        ["repeat too few"] = (() => F(2, 3).Repeat(2), typeof(ArgumentException), ["repeat", "(1)", "(2"]),

        ["gather index too large"] = (() => F(2, 3).Gather(1, Tensor.From(new long[] { 0, 3 }, 1, 2)), typeof(ArgumentOutOfRangeException),
            ["gather", "index 3", "dimension 1", "size 3", "[2, 3]"]),
        ["gather negative index"] = (() => F(2, 3).Gather(0, Tensor.From(new long[] { -1 }, 1, 1)), typeof(ArgumentOutOfRangeException),
            ["gather", "index -1", "dimension 0", "size 2"]),
        ["gather index dtype"] = (() => F(2, 3).Gather(1, Tensor.Zeros([2, 3], DType.Int32)), typeof(ArgumentException), ["gather", "int64", "int32[2, 3]"]),
        ["gather index rank"] = (() => F(2, 3).Gather(1, I(0, 1)), typeof(ArgumentException), ["gather", "same number of dimensions", "rank 2", "rank 1"]),
        ["gather index shape"] = (() => F(2, 3).Gather(1, Tensor.Zeros([3, 1], DType.Int64)), typeof(ArgumentException), ["gather", "[3, 1]", "[2, 3]", "dimension 0"]),
        ["gather dim"] = (() => F(2, 3).Gather(2, Tensor.Zeros([2, 3], DType.Int64)), typeof(ArgumentOutOfRangeException), ["gather", "dimension out of range"]),
        ["scatter index too large"] = (() => F(2, 3).Scatter(0, Tensor.From(new long[] { 2 }, 1, 1), F(1, 1)), typeof(ArgumentOutOfRangeException),
            ["scatter", "index 2", "dimension 0", "size 2"]),
        ["scatter dtype"] = (() => F(2, 3).Scatter(0, Tensor.Zeros([1, 1], DType.Int64), Tensor.Zeros([1, 1], DType.Float64)), typeof(ArgumentException),
            ["scatter", "float32[2, 3]", "float64[1, 1]"]),
        ["scatter index larger than src"] = (() => F(2, 3).Scatter(1, Tensor.Zeros([2, 2], DType.Int64), F(2, 1)), typeof(ArgumentException),
            ["scatter", "source [2, 1]", "[2, 2]"]),
        ["scatter_add index too large"] = (() => F(2, 3).ScatterAdd(1, Tensor.From(new long[] { 7 }, 1, 1), F(1, 1)), typeof(ArgumentOutOfRangeException),
            ["scatter_add", "index 7", "dimension 1", "size 3"]),
        ["index_select index too large"] = (() => F(4, 2).IndexSelect(0, I(1, 4)), typeof(ArgumentOutOfRangeException),
            ["index_select", "index 4", "dimension 0", "size 4"]),
        ["index_select negative"] = (() => F(4, 2).IndexSelect(-1, I(-1)), typeof(ArgumentOutOfRangeException),
            ["index_select", "index -1", "dimension 1", "size 2"]),
        ["index_select matrix index"] = (() => F(4, 2).IndexSelect(0, Tensor.Zeros([2, 2], DType.Int64)), typeof(ArgumentException),
            ["index_select", "vector", "int64[2, 2]"]),
        ["index_add source shape"] = (() => F(4, 2).IndexAdd(0, I(1, 2), F(3, 2)), typeof(ArgumentException), ["index_add", "[2, 2]", "[3, 2]"]),
        ["index_add index too large"] = (() => F(4, 2).IndexAdd(1, I(5), F(4, 1)), typeof(ArgumentOutOfRangeException), ["index_add", "index 5", "dimension 1", "size 2"]),
        ["one_hot too large"] = (() => Tensor.OneHot(I(0, 3), 3), typeof(ArgumentOutOfRangeException), ["one_hot", "class value 3", "num_classes 3", "dimension 1"]),
        ["one_hot negative"] = (() => Tensor.OneHot(I(1, -2), 4), typeof(ArgumentOutOfRangeException), ["one_hot", "class value -2"]),
        ["one_hot dtype"] = (() => Tensor.OneHot(F(3), 4), typeof(ArgumentException), ["one_hot", "int64", "float32[3]"]),
        ["one_hot infer empty"] = (() => Tensor.OneHot(Tensor.Zeros([0], DType.Int64)), typeof(ArgumentException), ["one_hot", "empty"]),
        ["masked_select dtype"] = (() => F(2, 3).MaskedSelect(F(2, 3)), typeof(ArgumentException), ["masked_select", "bool", "float32[2, 3]"]),
        ["masked_select broadcast"] = (() => F(2, 3).MaskedSelect(Tensor.Zeros([2], DType.Bool)), typeof(ArgumentException), ["masked_select", "[2, 3]", "[2]", "broadcast"]),
        ["take_along_dim rank"] = (() => F(2, 3).TakeAlongDim(I(0), 1), typeof(ArgumentException), ["take_along_dim", "same number of dimensions"]),

        ["tril rank"] = (() => F(3).Tril(), typeof(ArgumentException), ["tril", "at least 2 dimensions", "float32[3]"]),
        ["triu rank"] = (() => Tensor.Scalar(1.0).Triu(), typeof(ArgumentException), ["triu", "at least 2 dimensions"]),
        ["flip repeated dim"] = (() => F(2, 3).Flip(1, -1), typeof(ArgumentException), ["flip", "multiple times"]),
        ["roll misaligned"] = (() => F(2, 3).Roll([1, 2], [0]), typeof(ArgumentException), ["roll", "align"]),
        ["roll dim"] = (() => F(2, 3).Roll(1, 2), typeof(ArgumentOutOfRangeException), ["roll", "dimension out of range"]),

        ["diagonal rank"] = (() => F(3).Diagonal(), typeof(ArgumentException), ["diagonal", "at least 2 dimensions", "[3]"]),
        ["diagonal same dims"] = (() => F(3, 3).Diagonal(0, 1, -1), typeof(ArgumentException), ["diagonal", "identical"]),
        ["diag rank"] = (() => F(2, 2, 2).Diag(), typeof(ArgumentException), ["diag", "1-D or 2-D", "[2, 2, 2]"]),

        ["pad odd"] = (() => F(2, 3).Pad([1, 2, 3]), typeof(ArgumentException), ["constant_pad_nd", "divisible by 2"]),
        ["pad too many dims"] = (() => F(3).Pad([1, 1, 1, 1]), typeof(ArgumentException), ["constant_pad_nd", "2 dims", "float32[3]"]),
        ["pad negative size"] = (() => F(2, 3).Pad([-2, -2]), typeof(ArgumentException), ["constant_pad_nd", "negative output size", "dimension 1"]),
        ["reflect too large"] = (() => F(1, 3).Pad([3, 0], PadMode.Reflect), typeof(ArgumentException),
            ["reflection_pad", "less than the corresponding input dimension", "(3, 0)", "dimension 1"]),
        ["circular wraps twice"] = (() => F(1, 2).Pad([0, 3], PadMode.Circular), typeof(ArgumentException), ["circular_pad", "wrap around"]),
        ["replicate empty"] = (() => F(2, 0).Pad([1, 1], PadMode.Replicate), typeof(ArgumentException), ["replication_pad", "empty dimension 1"]),
        ["reflect negative"] = (() => F(2, 4).Pad([-1, 1], PadMode.Reflect), typeof(ArgumentException), ["reflection_pad", "non-negative"]),
        ["pad value with reflect"] = (() => F(2, 4).Pad([1, 1], PadMode.Reflect, 2), typeof(ArgumentException), ["pad", "Reflect", "value"]),
    };

    public static TheoryData<string> Cases() => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputGivesAClearMessage(string name)
    {
        var (act, type, fragments) = s_cases[name];
        var e = Assert.Throws(type, act);
        foreach (var f in fragments)
            Assert.True(e.Message.Contains(f, StringComparison.Ordinal), $"{name}: message lacks '{f}': {e.Message}");
    }
}
