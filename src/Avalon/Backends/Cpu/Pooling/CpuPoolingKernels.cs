using System.Numerics;
using Avalon.Primitives;
using Avalon.Primitives.Pooling;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// The CPU kernels of the pooling primitives. Each reads dense inputs, takes the geometry the shape rule
/// also uses, and runs the float32 or float64 instance of a kernel generic over the element type; every
/// kernel writes its whole output (forwards write each window's result, backwards clear the gradient
/// before scattering into it).
/// </summary>
internal static class CpuPoolingKernels
{
    /// <summary>Registers every pooling kernel with its primitive.</summary>
    public static void Register()
    {
        PoolingPrimitives.MaxPool.RegisterKernel(DeviceType.Cpu, MaxPoolValues);
        PoolingPrimitives.MaxPoolWithIndices.RegisterKernel(DeviceType.Cpu, MaxPoolWithIndices);
        PoolingPrimitives.AdaptiveMaxPoolWithIndices.RegisterKernel(DeviceType.Cpu, AdaptiveMaxPoolWithIndices);
        PoolingPrimitives.MaxPoolBackward.RegisterKernel(DeviceType.Cpu, MaxPoolBackward);
        PoolingPrimitives.MaxPoolGather.RegisterKernel(DeviceType.Cpu, MaxPoolGather);
        PoolingPrimitives.AvgPool.RegisterKernel(DeviceType.Cpu, AvgPoolForward);
        PoolingPrimitives.AvgPoolBackward.RegisterKernel(DeviceType.Cpu, AvgPoolBackward);
        PoolingPrimitives.AdaptiveAvgPool.RegisterKernel(DeviceType.Cpu, AdaptiveAvgPoolForward);
        PoolingPrimitives.AdaptiveAvgPoolBackward.RegisterKernel(DeviceType.Cpu, AdaptiveAvgPoolBackward);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for float32 or float64 (the only dtypes the shape rules let through):
    /// the kernels are generic over the element type. Bodies are structs, passed by value to a generic
    /// method, so a call boxes nothing.
    /// </summary>
    private static void Dispatch<TBody>(DType dtype, TBody body) where TBody : struct, IPoolBody
    {
        if (dtype == DType.Float32) body.Run<float>();
        else body.Run<double>();
    }

    private interface IPoolBody
    {
        void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>;
    }

    // max_pool: the values alone, no positions written.
    private static void MaxPoolValues(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        Dispatch(x.DType, new MaxBody(PoolAttributes.Max(x.Shape, a), x, outputs[0], null));
    }

    // max_pool_with_indices: values and positions in one pass.
    private static void MaxPoolWithIndices(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        Dispatch(x.DType, new MaxBody(PoolAttributes.Max(x.Shape, a), x, outputs[0], outputs[1]));
    }

    private readonly struct MaxBody(PoolGeometry g, Tensor x, Tensor y, Tensor? indices) : IPoolBody
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            MaxPool.Forward(g, x.ContiguousSpan<T>(), y.ContiguousSpan<T>(),
                indices is null ? Span<long>.Empty : indices.ContiguousSpan<long>());
    }

    private static void AdaptiveMaxPoolWithIndices(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        Dispatch(x.DType, new AdaptiveMaxBody(PoolAttributes.AdaptiveMax(x.Shape, a), x, outputs[0], outputs[1]));
    }

    private readonly struct AdaptiveMaxBody(AdaptivePoolGeometry g, Tensor x, Tensor y, Tensor indices) : IPoolBody
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            AdaptiveMaxPool.Forward(g, x.ContiguousSpan<T>(), y.ContiguousSpan<T>(), indices.ContiguousSpan<long>());
    }

    private static void MaxPoolBackward(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var gy = inputs[0].ContiguousNoGrad();
        var indices = inputs[1].ContiguousNoGrad();
        var gx = outputs[0];
        int planes = gy.Shape[0] * gy.Shape[1];
        int inPlane = ShapeUtil.Numel(a.SharedInts("input_size")), outPlane = planes == 0 ? 0 : gy.Numel / planes;
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (gx.DType == DType.Float32)
            PoolIndexScatter.Run("max_pool_backward", planes, inPlane, outPlane, gy.ContiguousSpan<float>(), indices.ContiguousSpan<long>(), gx.ContiguousSpan<float>());
        else
            PoolIndexScatter.Run("max_pool_backward", planes, inPlane, outPlane, gy.ContiguousSpan<double>(), indices.ContiguousSpan<long>(), gx.ContiguousSpan<double>());
    }

    private static void MaxPoolGather(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        var indices = inputs[1].ContiguousNoGrad();
        var y = outputs[0];
        int planes = x.Shape[0] * x.Shape[1];
        int inPlane = planes == 0 ? 0 : x.Numel / planes, outPlane = planes == 0 ? 0 : y.Numel / planes;
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (y.DType == DType.Float32)
            PoolIndexGather.Run("max_pool_gather", planes, inPlane, outPlane, x.ContiguousSpan<float>(), indices.ContiguousSpan<long>(), y.ContiguousSpan<float>());
        else
            PoolIndexGather.Run("max_pool_gather", planes, inPlane, outPlane, x.ContiguousSpan<double>(), indices.ContiguousSpan<long>(), y.ContiguousSpan<double>());
    }

    private static void AvgPoolForward(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        Dispatch(x.DType, new AvgBody(PoolAttributes.Average(x.Shape, a), a.Bool("count_include_pad"), PoolAttributes.Divisor(a), x, outputs[0], backward: false));
    }

    private static void AvgPoolBackward(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var gy = inputs[0].ContiguousNoGrad();
        Dispatch(gy.DType, new AvgBody(PoolAttributes.AverageBackward(gy.Spec, a), a.Bool("count_include_pad"), PoolAttributes.Divisor(a), gy, outputs[0], backward: true));
    }

    private readonly struct AvgBody(PoolGeometry g, bool includePad, int? divisor, Tensor source, Tensor destination, bool backward) : IPoolBody
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (backward) AvgPool.Backward(g, includePad, divisor, source.ContiguousSpan<T>(), destination.ContiguousSpan<T>());
            else AvgPool.Forward(g, includePad, divisor, source.ContiguousSpan<T>(), destination.ContiguousSpan<T>());
        }
    }

    private static void AdaptiveAvgPoolForward(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        Dispatch(x.DType, new AdaptiveAvgBody(PoolAttributes.AdaptiveAverage(x.Shape, a), x, outputs[0], backward: false));
    }

    private static void AdaptiveAvgPoolBackward(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var gy = inputs[0].ContiguousNoGrad();
        Dispatch(gy.DType, new AdaptiveAvgBody(PoolAttributes.AdaptiveAverageBackward(gy.Spec, a), gy, outputs[0], backward: true));
    }

    private readonly struct AdaptiveAvgBody(AdaptivePoolGeometry g, Tensor source, Tensor destination, bool backward) : IPoolBody
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (backward) AdaptiveAvgPool.Backward(g, source.ContiguousSpan<T>(), destination.ContiguousSpan<T>());
            else AdaptiveAvgPool.Forward(g, source.ContiguousSpan<T>(), destination.ContiguousSpan<T>());
        }
    }
}
