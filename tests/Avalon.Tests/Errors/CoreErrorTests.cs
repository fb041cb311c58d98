namespace Avalon.Tests.Errors;

/// <summary>Bad inputs to core operations raise exceptions that name the operation, the shapes/dtypes and what was expected.</summary>
public class CoreErrorTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["add broadcast", () => Tensor.Ones(2, 3) + Tensor.Ones(4), new[] { "add", "[2, 3]", "[4]", "cannot be broadcast" }],
        ["mul dtype", () => Tensor.Ones(2) * Tensor.Ones([2], DType.Float64), new[] { "mul", "same dtype", "float32", "float64" }],
        ["matmul inner", () => Tensor.Ones(2, 3).MatMul(Tensor.Ones(4, 5)), new[] { "matmul", "[2, 3]", "[4, 5]", "must equal" }],
        ["matmul int", () => Tensor.Ones([2, 2], DType.Int64).MatMul(Tensor.Ones([2, 2], DType.Int64)), new[] { "matmul", "floating-point", "int64" }],
        ["reshape size", () => Tensor.Ones(2, 3).Reshape(4, 2), new[] { "reshape", "[4, 2]", "size 6" }],
        ["reshape two -1", () => Tensor.Ones(2, 3).Reshape(-1, -1), new[] { "reshape", "only one dimension" }],
        ["view non-contiguous", () => Tensor.Ones(2, 3).T.View(6), new[] { "view", "Reshape" }],
        ["sum dim range", () => Tensor.Ones(2, 3).Sum(2), new[] { "sum", "dimension out of range", "got 2" }],
        ["transpose dim", () => Tensor.Ones(2, 3).Transpose(0, 5), new[] { "transpose", "range", "5" }],
        ["permute", () => Tensor.Ones(2, 3).Permute(0, 0), new[] { "permute", "permutation" }],
        ["expand", () => Tensor.Ones(2, 3).Expand(4, 3), new[] { "expand", "[4, 3]", "[2, 3]" }],
        ["narrow", () => Tensor.Ones(5).Narrow(0, 3, 4), new[] { "narrow", "exceeds", "size (5)" }],
        ["index range", () => Tensor.Ones(2, 3)[0, 3], new[] { "index 3 is out of bounds", "size 3" }],
        ["too many indices", () => Tensor.Ones(2)[0, 0], new[] { "too many indices", "[2]" }],
        ["item", () => { _ = Tensor.Ones(2).Item(); }, new[] { "item", "2 elements" }],
        ["from shape", () => Tensor.From(new float[] { 1, 2, 3 }, 2, 2), new[] { "3 elements", "[2, 2]" }],
        ["exp int", () => Tensor.Ones([2], DType.Int32).Exp(), new[] { "exp", "floating-point", "int32" }],
        ["mean int", () => Tensor.Ones([2], DType.Int64).Mean(), new[] { "mean", "floating-point", "int64" }],
        ["requires grad int", () => Tensor.Ones([2], DType.Int64).RequiresGrad_(), new[] { "floating-point", "int64" }],
        ["backward non-scalar", () => { (Tensor.Ones(2).RequiresGrad_() * 2.0).Backward(); }, new[] { "backward", "single-element", "[2]" }],
        ["grad of non-scalar", () => { _ = Avalon.Autodiff.Grad.Of(x => x * 2.0, Tensor.Ones(2)); }, new[] { "Grad.Of", "single-element", "[2]" }],
        ["arange step", () => Tensor.Arange(0, 5, 0), new[] { "arange", "step" }],
        ["toarray dtype", () => Tensor.Ones(2).ToArray<double>(), new[] { "float32", "To(DType.Float64)" }],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputGivesAClearMessage(string name, Delegate action, string[] fragments)
    {
        var ex = Assert.ThrowsAny<Exception>(() =>
        {
            try { action.DynamicInvoke(); }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
        });
        foreach (var f in fragments)
            Assert.True(ex.Message.Contains(f, StringComparison.Ordinal), $"{name}: message '{ex.Message}' lacks '{f}'");
    }
}
