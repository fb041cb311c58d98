using Avalon.Backends.Cpu.Convolution;
using Avalon.Backends.Cpu.Linalg;
using Avalon.Compiler.CodeGen;
using Avalon.Primitives;
using Avalon.Primitives.Convolution;
using Avalon.Primitives.Linalg;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// A matmul or convolution call with a fused elementwise epilogue (bias, activation, ...), made by
/// <see cref="EpilogueFusion"/>: its kernel runs the producer's kernel into the output buffer, then the
/// epilogue's generated kernel over that buffer in place: for a convolution over each (sample, group) slice
/// as soon as the kernel has written it, on the same thread and while it is in cache; for a matmul in one
/// pass after the product (the GEMM has no per-block hook). The inputs are the producer's, then the epilogue's others.
/// Like <see cref="FusedElementwisePrimitive"/> it is not registered and has no derivative rule.
/// </summary>
public sealed class FusedEpiloguePrimitive : Primitive
{
    private readonly Attributes _producerAttributes;

    /// <summary>Creates the primitive.</summary>
    /// <param name="producer">The matmul or conv primitive.</param>
    /// <param name="producerAttributes">Its call's attributes (validated).</param>
    /// <param name="producerArity">How many of the inputs are the producer's.</param>
    /// <param name="epilogue">The elementwise expression applied to the product.</param>
    /// <param name="productInput">Which input of <paramref name="epilogue"/> is the product.</param>
    public FusedEpiloguePrimitive(Primitive producer, Attributes producerAttributes, int producerArity, FusedExpression epilogue, int productInput)
        : base(producer.Name + "_epilogue", PrimitiveRegistration.Unregistered)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(epilogue);
        if (productInput < 0 || productInput >= epilogue.InputCount || epilogue.InputIsMask(productInput))
            throw new ArgumentException($"{Name}: epilogue input {productInput} cannot be the product of {epilogue}.", nameof(productInput));
        Producer = producer;
        _producerAttributes = producer.ValidateAttributes(producerAttributes);
        ProducerArity = producerArity;
        Epilogue = epilogue;
        ProductInput = productInput;
        RegisterKernel(DeviceType.Cpu, RunCpu);
    }

    /// <summary>The matmul or conv primitive whose result the epilogue transforms.</summary>
    public Primitive Producer { get; }

    /// <summary>The producer call's attributes (validated).</summary>
    internal Attributes ProducerAttributes => _producerAttributes;

    /// <summary>How many leading inputs are the producer's.</summary>
    public int ProducerArity { get; }

    /// <summary>The elementwise epilogue.</summary>
    public FusedExpression Epilogue { get; }

    /// <summary>Which input of <see cref="Epilogue"/> is the product.</summary>
    public int ProductInput { get; }

    /// <summary>Compiler-made, not user code.</summary>
    public override bool IsUserDefined => false;

    /// <summary>An optional <c>expr</c> string: the epilogue's formula, for printing only.</summary>
    public override AttributeSchema? Schema => s_schema;

    private static readonly AttributeSchema s_schema = AttributeSchema.Of(AttributeSpec.OptionalOf("expr", AttributeType.String));

    /// <summary>No rule reads inputs (there is no rule).</summary>
    public override bool RuleReadsInput(int index) => false;

    /// <inheritdoc />
    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != ProducerArity + Epilogue.InputCount - 1)
            throw new ArgumentException($"{Name}: expected {ProducerArity + Epilogue.InputCount - 1} inputs ({ProducerArity} for {Producer.Name}, then the epilogue's), got {inputs.Length}.");
        var product = Producer.InferSpecs(inputs[..ProducerArity], _producerAttributes)[0];
        var epilogueSpecs = EpilogueOperands(inputs[ProducerArity..], product);
        var shape = product.Shape.Dims;
        for (int i = 0; i < epilogueSpecs.Length; i++)
        {
            var expected = Epilogue.InputIsMask(i) ? DType.Bool : Epilogue.ElementType;
            if (epilogueSpecs[i].DType != expected)
                throw new ArgumentException($"{Name}: epilogue input {i} of {Epilogue} must be {expected.Name()}, got {epilogueSpecs[i]}.");
            shape = ShapeUtil.Broadcast(shape, epilogueSpecs[i].Shape.Dims, Name);
        }
        if (!shape.AsSpan().SequenceEqual(product.Shape.Dims))
            throw new ArgumentException($"{Name}: the epilogue's inputs broadcast the product {product} to [{string.Join(", ", shape)}]; they must broadcast into it.");
        return product;
    }

    /// <summary>Always throws: a fused call has no derivative rule.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor?[] Backward(GradContext context) => throw new NotSupportedException(
        $"{Name} ({Producer.Name} then {Epilogue}) has no derivative rule: fusion runs on tapes that already contain their backward calls. " +
        "Differentiate the unfused tape (or the function) instead, then compile the result.");

    private T[] EpilogueOperands<T>(T[] others, T product)
    {
        var all = new T[Epilogue.InputCount];
        for (int i = 0, j = 0; i < all.Length; i++) all[i] = i == ProductInput ? product : others[j++];
        return all;
    }

    // The last run's tensors with the producer's argument and output arrays and the prepared epilogue:
    // a planned executor passes the same tensors every run, which then allocate nothing.
    private sealed record Prepared(Tensor[] ProducerInputs, Tensor[] ProducerOutputs, FusedCall Epilogue)
    {
        /// <summary>The epilogue over one range of the output (cached: a convolution calls it per slice).</summary>
        public readonly Action<int, int> EpilogueRange = Epilogue.RunRange;
    }

    private volatile Prepared? _last;
    private Kernel? _producerKernel;

    /// <summary>
    /// The CPU kernel of a matmul epilogue whose product reads its right operand from
    /// <paramref name="packedB"/> when that holds it (a compiled step's weight, packed once).
    /// </summary>
    internal Kernel CpuKernelWithPackedRightOperand(PackedRightOperand packedB)
    {
        if (!ReferenceEquals(Producer, MatMulPrimitives.MatMul))
            throw OpErrors.State(Name, "only a matmul epilogue has a right operand to pack.");
        return (inputs, _, outputs) => RunCpu(inputs, outputs, packedB);
    }

    private void RunCpu(Tensor[] inputs, Attributes attributes, Tensor[] outputs) => RunCpu(inputs, outputs, null);

    private void RunCpu(Tensor[] inputs, Tensor[] outputs, PackedRightOperand? packedB)
    {
        var output = outputs[0];
        var last = _last;
        if (last is null || !Matches(last, inputs, output))
        {
            var operands = EpilogueOperands(inputs[ProducerArity..], output);
            _last = last = new Prepared(inputs[..ProducerArity], [output], FusedCall.Prepare(Epilogue, operands, output));
        }
        if (ReferenceEquals(Producer, ConvolutionPrimitives.Conv))
        {
            // Each (sample, group) slice of the product gets the epilogue as soon as it is written, on the thread
            // that wrote it, while it is in cache; the epilogue reads only its own positions of the product.
            CpuConvolutionKernels.ConvWithEpilogue(last.ProducerInputs, _producerAttributes, output, last.EpilogueRange);
            return;
        }
        if (packedB is not null)
        {
            MatMulKernel.Run(last.ProducerInputs[0], last.ProducerInputs[1], output, packedB);
        }
        else
        {
            _producerKernel ??= Producer.KernelFor(Device.Cpu);
            _producerKernel(last.ProducerInputs, _producerAttributes, last.ProducerOutputs);
        }
        // The epilogue reads the product where it writes its result (the same dense positions), in place.
        last.Epilogue.Run();
    }

    private bool Matches(Prepared last, Tensor[] inputs, Tensor output)
    {
        if (inputs.Length != ProducerArity + Epilogue.InputCount - 1) return false;
        for (int i = 0; i < ProducerArity; i++)
            if (!ReferenceEquals(inputs[i], last.ProducerInputs[i])) return false;
        return last.Epilogue.MatchesWithOutputAt(ProductInput, inputs, ProducerArity, output);
    }
}
