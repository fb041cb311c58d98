using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Avalon.Autodiff;
using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Convolution;
using Avalon.Backends.Cpu.Pooling;
using Avalon.Compiler.CodeGen;
using Avalon.Primitives;
using Avalon.Primitives.Convolution;
using Avalon.Primitives.Pooling;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// A convolution, its elementwise epilogue (an activation) and the max pooling that is the product's only
/// reader, in one call (made by <see cref="ConvPoolFusion"/>): each (sample, group) slice of the product is
/// computed into a buffer of the thread's own, takes its epilogue and is pooled at once, so the full-size
/// product is never written to memory. The outputs are the pooling's: the window maxima and, for
/// <c>max_pool_with_indices</c>, their int64 positions in each product plane.
/// </summary>
/// <remarks>
/// The values are the bits of the unfused calls: the same convolution kernels write each slice, the same
/// generated epilogue runs over it, and the same vectorised pooling (<see cref="MaxPoolTiled"/>) reads it.
/// Only windows that tile the product (stride = kernel, no padding or dilation) are fused.
/// </remarks>
public sealed class FusedConvPoolPrimitive : Primitive
{
    private readonly Attributes _convAttributes;
    private readonly Attributes _poolAttributes;
    private readonly bool _withIndices;
    private Prepared? _last;
    private object? _idleSink;

    /// <summary>Creates the primitive.</summary>
    /// <param name="convAttributes">The conv call's attributes (validated).</param>
    /// <param name="convArity">The conv call's inputs: input and weight, and the bias when it has one.</param>
    /// <param name="epilogue">The elementwise expression applied to the product, reading the product alone; null for none.</param>
    /// <param name="poolAttributes">The pooling's attributes (validated).</param>
    /// <param name="withIndices">Whether the pooling also yields its positions (<c>max_pool_with_indices</c>).</param>
    public FusedConvPoolPrimitive(Attributes convAttributes, int convArity, FusedExpression? epilogue, Attributes poolAttributes, bool withIndices)
        : base(epilogue is null ? "conv_max_pool" : "conv_epilogue_max_pool", PrimitiveRegistration.Unregistered)
    {
        if (convArity is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(convArity), convArity, "conv_max_pool: a convolution takes 2 or 3 inputs.");
        if (epilogue is not null && epilogue.InputCount != 1)
            throw new ArgumentException($"conv_max_pool: the epilogue {epilogue} must read the product alone, it reads {epilogue.InputCount} values.", nameof(epilogue));
        _convAttributes = ConvolutionPrimitives.Conv.ValidateAttributes(convAttributes);
        _poolAttributes = (withIndices ? PoolingPrimitives.MaxPoolWithIndices : PoolingPrimitives.MaxPool).ValidateAttributes(poolAttributes);
        ConvArity = convArity;
        Epilogue = epilogue;
        _withIndices = withIndices;
        RegisterKernel(DeviceType.Cpu, RunCpu);
    }

    /// <summary>How many inputs the convolution takes (they are all of this call's inputs).</summary>
    public int ConvArity { get; }

    /// <summary>The elementwise epilogue applied to the product before pooling, or null.</summary>
    public FusedExpression? Epilogue { get; }

    /// <summary>Compiler-made, not user code.</summary>
    public override bool IsUserDefined => false;

    /// <inheritdoc />
    public override int OutputCount => _withIndices ? 2 : 1;

    /// <summary>Optional <c>expr</c> and <c>pool</c> strings: the epilogue's formula and the pooling, for printing only.</summary>
    public override AttributeSchema? Schema => s_schema;

    private static readonly AttributeSchema s_schema = AttributeSchema.Of(
        AttributeSpec.OptionalOf("expr", AttributeType.String), AttributeSpec.OptionalOf("pool", AttributeType.String));

    /// <summary>No rule reads inputs (there is no rule).</summary>
    public override bool RuleReadsInput(int index) => false;

    /// <inheritdoc />
    public override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != ConvArity)
            throw new ArgumentException($"{Name}: expected the convolution's {ConvArity} inputs, got {inputs.Length}.");
        var product = ConvolutionPrimitives.Conv.InferSpecs(inputs, _convAttributes)[0];
        if (Epilogue is { } e && e.ElementType != product.DType)
            throw new ArgumentException($"{Name}: the epilogue {e} computes {e.ElementType.Name()}, the product is {product}.");
        var pooled = product with { Shape = Shape.Wrap(PoolAttributes.OutputShape(PoolAttributes.Max(product.Shape, _poolAttributes))) };
        return _withIndices ? [pooled, pooled with { DType = DType.Int64 }] : [pooled];
    }

    /// <summary>Always throws: a fused call has no derivative rule.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor?[] Backward(GradContext context) => throw new NotSupportedException(
        $"{Name} has no derivative rule: fusion runs on tapes that already contain their backward calls. " +
        "Differentiate the unfused tape (or the function) instead, then compile the result.");

    // The last run's input tensors and the geometries they give: a planned executor passes the same tensors every run.
    private sealed record Prepared(Tensor Input, Tensor Weight, ConvGeometry Conv, PoolGeometry Pool);

    private void RunCpu(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        var w = inputs[1].ContiguousNoGrad();
        var b = inputs.Length > 2 ? inputs[2].ContiguousNoGrad() : null;
        var last = _last;
        if (last is null || !ReferenceEquals(last.Input, x) || !ReferenceEquals(last.Weight, w))
        {
            var conv = ConvAttributes.Read(_convAttributes).Convolution(Name, x.Shape, w.Shape);
            var productShape = ConvolutionPrimitives.Conv.InferSpecs([x.Spec, w.Spec], _convAttributes)[0].Shape;
            var pool = PoolAttributes.Max(productShape, _poolAttributes);
            if (!MaxPoolTiled.Applies(pool))
                throw OpErrors.State(Name, $"the pooling {_poolAttributes} of a {productShape} product does not tile it; only tiling windows are fused.");
            _last = last = new Prepared(x, w, conv, pool);
        }
        if (outputs[0].DType == DType.Float32) Run<float>(last, x, w, b, outputs);
        else Run<double>(last, x, w, b, outputs);
    }

    private unsafe void Run<T>(Prepared prepared, Tensor x, Tensor w, Tensor? b, Tensor[] outputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // One sink per concurrent call: the idle one is taken, and put back after.
        var sink = Interlocked.Exchange(ref _idleSink, null) as PoolingSink<T> ?? new PoolingSink<T>(Epilogue);
        try
        {
            fixed (T* pooled = outputs[0].ContiguousSpan<T>())
            fixed (long* indices = _withIndices ? outputs[1].ContiguousSpan<long>() : default)
            {
                sink.Set(prepared.Pool, prepared.Conv.OutChannelsPerGroup, pooled, indices);
                ConvolutionForward.Run(prepared.Conv, x.ContiguousSpan<T>(), w.ContiguousSpan<T>(), b is null ? default : b.ContiguousSpan<T>(), sink);
            }
        }
        finally
        {
            sink.Set(default, 0, null, null);
            _idleSink = sink;
        }
    }

    /// <summary>Takes each written slice through the epilogue and the pooling, into the pooled output (and positions).</summary>
    private sealed unsafe class PoolingSink<T>(FusedExpression? epilogue) : ConvolutionSliceSink<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ThreadLocal<SliceBuffer?> _buffers = new();
        private PoolGeometry _pool;
        private int _channelsPerSlice;
        private T* _pooled;
        private long* _indices;

        public void Set(in PoolGeometry pool, int channelsPerSlice, T* pooled, long* indices)
        {
            _pool = pool;
            _channelsPerSlice = channelsPerSlice;
            _pooled = pooled;
            _indices = indices;
        }

        public override T* Buffer(int elements)
        {
            var buffer = _buffers.Value;
            if (buffer is null || buffer.Length < elements) _buffers.Value = buffer = new SliceBuffer(elements, epilogue);
            return buffer.Pointer;
        }

        public override void Written(int item, int coStart, int coEnd, T* slice)
        {
            int plane = _pool.InputPlane;
            _buffers.Value!.Epilogue?.RunRange(coStart * plane, coEnd * plane);
            // Plane p of the slice is plane item·(Cout/groups) + p of the pooled output.
            long first = (long)item * _channelsPerSlice * _pool.OutputPlane;
            MaxPoolTiled.Run(_pool, slice, _pooled + first, _indices == null ? null : _indices + first, coStart, coEnd);
        }

        /// <summary>A pinned array for one slice and the epilogue prepared over it, in place.</summary>
        private sealed class SliceBuffer
        {
            public SliceBuffer(int elements, FusedExpression? epilogue)
            {
                var array = GC.AllocateArray<T>(elements, pinned: true);
                Length = elements;
                Pointer = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
                var tensor = new Tensor(new CpuStorage(array, typeof(T) == typeof(float) ? DType.Float32 : DType.Float64), [elements]);
                Epilogue = epilogue is null ? null : FusedCall.Prepare(epilogue, [tensor], tensor);
            }

            public int Length { get; }

            public T* Pointer { get; }

            public FusedCall? Epilogue { get; }
        }
    }
}
