using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Elementwise;
using Avalon.Backends.Cpu.Reduction;
using Avalon.Primitives;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>The one dtype dispatch of the CPU kernels: the element type it picks and its uniform error.</summary>
public class DTypeDispatchTests
{
    private struct Recorder : IElementVisitor, INumericVisitor, IFloatingVisitor
    {
        public Type? Seen;
        void IElementVisitor.Visit<T>() => Seen = typeof(T);
        void INumericVisitor.Visit<T>() => Seen = typeof(T);
        void IFloatingVisitor.Visit<T>() => Seen = typeof(T);
    }

    [Theory]
    [InlineData(DType.Float32, typeof(float))]
    [InlineData(DType.Float64, typeof(double))]
    [InlineData(DType.Int32, typeof(int))]
    [InlineData(DType.Int64, typeof(long))]
    [InlineData(DType.Bool, typeof(bool))]
    public void EachDTypeRunsItsElementType(DType dtype, Type expected)
    {
        var r = new Recorder();
        DTypeDispatch.Any(dtype, ref r, "test");
        Assert.Equal(expected, r.Seen);
        if (dtype == DType.Bool) return;
        r = new Recorder();
        DTypeDispatch.Numeric(dtype, ref r, "test");
        Assert.Equal(expected, r.Seen);
        if (!dtype.IsFloatingPoint()) return;
        r = new Recorder();
        DTypeDispatch.Floating(dtype, ref r, "test");
        Assert.Equal(expected, r.Seen);
    }

    [Fact]
    public void UnsupportedDTypesFailOneWayNamingTheOp()
    {
        var r = new Recorder();
        var e = Assert.Throws<NotSupportedException>(() => DTypeDispatch.Numeric(DType.Bool, ref r, "scatter_add"));
        Assert.Equal("scatter_add: dtype bool is not supported (expected one of float32, float64, int32, int64).", e.Message);
        e = Assert.Throws<NotSupportedException>(() => DTypeDispatch.Floating(DType.Int64, ref r, "softmax"));
        Assert.Equal("softmax: dtype int64 is not supported (expected one of float32, float64).", e.Message);
        Assert.Null(r.Seen);
    }

    [Fact]
    public void KernelsCalledWithADTypeTheyLackReportIt()
    {
        // Kernels called directly (past the shape rules that normally stop such calls).
        var x = Tensor.Zeros([2, 3], DType.Int32);
        var attributes = Attributes.Of(("dims", new[] { 1 }), ("keepdim", false), ("correction", 1L));
        var e = Assert.Throws<NotSupportedException>(() => VarianceKernel.Var([x], attributes, [Tensor.Zeros([2], DType.Int32)]));
        Assert.Equal("var: dtype int32 is not supported (expected one of float32, float64).", e.Message);
        var b = Tensor.Zeros([3], DType.Bool);
        e = Assert.Throws<NotSupportedException>(() => ElementwiseKernels.Negate([b], Attributes.Empty, [Tensor.Zeros([3], DType.Bool)]));
        Assert.Equal("neg: dtype bool is not supported (expected one of float32, float64, int32, int64).", e.Message);
    }
}
