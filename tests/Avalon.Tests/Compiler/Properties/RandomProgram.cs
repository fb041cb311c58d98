using System.Text;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// A random straight-line tensor program (<see cref="RandomProgramBuilder"/> makes them): float32 inputs
/// of given shapes and value ranges, steps over earlier values, and the values it returns. <see cref="Run"/>
/// interprets it with ordinary tensor operations, so the same program runs eagerly, under a tracer
/// (<c>Compiler.Compile(program.Run)</c>) and under eager autograd.
/// </summary>
internal sealed class RandomProgram
{
    private readonly Tensor[] _captured;

    public RandomProgram(int[][] inputShapes, ValueRange[] inputRanges, ProgramStep[] steps, int[] outputs, ulong seed)
    {
        InputShapes = inputShapes;
        InputRanges = inputRanges;
        Steps = steps;
        Outputs = outputs;
        Seed = seed;
        // Captured tensors (a weight or a table the function closes over) exist before any trace, as a
        // model's parameters do: the compiler reads them when the code runs and may not fold them.
        _captured = steps.Select((s, i) => s.Op == "captured" ? Uniform(s.Shape, s.Range, new Generator(seed * 7919 + (ulong)i)) : null!).ToArray();
    }

    /// <summary>
    /// The generator the program's random steps (dropout, uniform noise) draw from: compiled code draws
    /// from the same object, so <see cref="Reseed"/> before an eager run and before a compiled one makes
    /// them draw the same numbers.
    /// </summary>
    public Generator Generator { get; } = new(1);

    /// <summary>Puts <see cref="Generator"/> in a state that depends only on <paramref name="variant"/>.</summary>
    public void Reseed(int variant) => Generator.Seed(Seed * 31 + (ulong)variant);

    /// <summary>The tensors the program captures (created with it, outside any trace).</summary>
    public IEnumerable<Tensor> CapturedTensors => _captured.Where(t => t is not null);

    /// <summary>The shape of each input.</summary>
    public int[][] InputShapes { get; }

    /// <summary>The range each input's elements are drawn from.</summary>
    public ValueRange[] InputRanges { get; }

    /// <summary>The steps; step <c>i</c> defines value <c>InputShapes.Length + i</c>.</summary>
    public ProgramStep[] Steps { get; }

    /// <summary>The values returned, in order.</summary>
    public int[] Outputs { get; }

    /// <summary>The seed inputs and captured tensors are drawn from.</summary>
    public ulong Seed { get; }

    /// <summary>The number of values (inputs and steps).</summary>
    public int ValueCount => InputShapes.Length + Steps.Length;

    /// <summary>The shape of value <paramref name="id"/>.</summary>
    public int[] ShapeOf(int id) => id < InputShapes.Length ? InputShapes[id] : Steps[id - InputShapes.Length].Shape;

    /// <summary>Fresh input tensors, a different draw for each <paramref name="variant"/>.</summary>
    public Tensor[] CreateInputs(int variant) =>
        InputShapes.Select((shape, k) => Uniform(shape, InputRanges[k], new Generator(Seed * 1_000_003 + (ulong)(variant * 16 + k)))).ToArray();

    /// <summary>
    /// Fresh inputs that are strided views rather than dense tensors (a transpose of the last two dims, a
    /// slice with step 2 of a vector), with the same shapes and ranges as <see cref="CreateInputs"/>.
    /// </summary>
    public Tensor[] CreateStridedInputs(int variant) =>
        InputShapes.Select((shape, k) =>
        {
            var g = new Generator(Seed * 1_000_033 + (ulong)(variant * 16 + k));
            if (shape.Length >= 2)
            {
                int[] swapped = [.. shape[..^2], shape[^1], shape[^2]];
                return Uniform(swapped, InputRanges[k], g).Transpose(-1, -2);
            }
            return shape.Length == 1 ? Uniform([2 * shape[0]], InputRanges[k], g).Slice(0, 0, null, 2) : Uniform(shape, InputRanges[k], g);
        }).ToArray();

    /// <summary>Runs the program on <paramref name="inputs"/> with ordinary tensor operations and returns its outputs.</summary>
    public Tensor[] Run(Tensor[] inputs)
    {
        var values = new Tensor[ValueCount];
        for (int k = 0; k < InputShapes.Length; k++) values[k] = inputs[k];
        for (int i = 0; i < Steps.Length; i++) values[InputShapes.Length + i] = Apply(Steps[i], i, values);
        return Outputs.Select(o => values[o]).ToArray();
    }

    private Tensor Apply(ProgramStep s, int index, Tensor[] v)
    {
        Tensor A(int k) => v[s.Args[k]];
        bool keep = s.Number != 0;
        return s.Op switch
        {
            "neg" => A(0).Neg(),
            "exp" => A(0).Exp(),
            "log" => A(0).Log(),
            "sqrt" => A(0).Sqrt(),
            "rsqrt" => A(0).Rsqrt(),
            "sin" => A(0).Sin(),
            "cos" => A(0).Cos(),
            "tanh" => A(0).Tanh(),
            "sigmoid" => A(0).Sigmoid(),
            "relu" => A(0).Relu(),
            "abs" => A(0).Abs(),
            "square" => A(0).Square(),
            "log1p" => A(0).Log1p(),
            "expm1" => A(0).Expm1(),
            "erf" => A(0).Erf(),
            "reciprocal" => A(0).Reciprocal(),
            "pow_s" => A(0).Pow(s.Number),
            "add" => A(0) + A(1),
            "sub" => A(0) - A(1),
            "mul" => A(0) * A(1),
            "div" => A(0) / A(1),
            "maximum" => A(0).Maximum(A(1)),
            "minimum" => A(0).Minimum(A(1)),
            "pow" => A(0).Pow(A(1)),
            "where" => Tensor.Where(A(0) > 0, A(0), A(1)),
            "add_s" => A(0) + s.Number,
            "sub_s" => A(0) - s.Number,
            "rsub_s" => s.Number - A(0),
            "mul_s" => A(0) * s.Number,
            "div_s" => A(0) / s.Number,
            "clamp" => A(0).Clamp(-s.Number, s.Number),
            "sum" => A(0).Sum(Dims(s), keep),
            "mean" => A(0).Mean(Dims(s), keep),
            "amax" => A(0).Amax(Dims(s), keep),
            "max_dim" => A(0).Max(s.Ints[0], keep).Values,
            "softmax" => A(0).Softmax(s.Ints[0]),
            "log_softmax" => A(0).LogSoftmax(s.Ints[0]),
            "reshape" => A(0).Reshape(s.Ints),
            "transpose" => A(0).Transpose(s.Ints[0], s.Ints[1]),
            "permute" => A(0).Permute(s.Ints),
            "expand" => A(0).Expand(s.Ints),
            "slice" => A(0).Slice(s.Ints[0], s.Ints[1], s.Ints[2], s.Ints[3]),
            "matmul" => A(0).MatMul(A(1)),
            "transposed_product" => A(0).MatMul(A(1)).MT.Contiguous(),
            "neg_neg" => A(0).Neg().Neg(),
            "transpose_twice" => A(0).Transpose(s.Ints[0], s.Ints[1]).Transpose(s.Ints[0], s.Ints[1]),
            "reshape_twice" => A(0).Reshape(s.Ints).Reshape(A(0).Shape.ToArray()),
            "mul_one" => A(0) * 1,
            "one_mul" => 1 * A(0),
            "add_zero" => A(0) + 0,
            "div_one" => A(0) / 1,
            "expand_mul" => A(0) * A(1).Expand(s.Shape),
            "literal" => Tensor.Literal(s.Number, DType.Float32, Device.Cpu, s.Ints),
            "captured" => _captured[index],
            "dropout" => A(0).Dropout(0.5, generator: Generator),
            "rand" => Tensor.Rand(s.Shape, Generator),
            "input_mul_" or "mul_" => A(0).Mul_(s.Number),
            "inplace_add" => (A(0) * 1.5).Add_(s.Number),
            "inplace_slice" => InPlaceSlice(A(0) + 0.25, s),
            _ => throw new InvalidOperationException($"RandomProgram: unknown op '{s.Op}'."),
        };
    }

    private static int[]? Dims(ProgramStep s) => s.Ints.Length == 0 ? null : s.Ints;

    private static Tensor InPlaceSlice(Tensor fresh, ProgramStep s)
    {
        fresh.Slice(s.Ints[0], s.Ints[1], s.Ints[2], s.Ints[3]).Mul_(s.Number);   // writes through a view into fresh
        return fresh;
    }

    private static Tensor Uniform(int[] shape, ValueRange range, Generator generator) =>
        Tensor.Rand(shape, generator) * (range.Hi - range.Lo) + range.Lo;

    /// <summary>The program as text: inputs, one line per step, outputs (what a failing property prints).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("RandomProgram (seed ").Append(Seed).Append(")\n");
        for (int k = 0; k < InputShapes.Length; k++)
            sb.Append($"  %{k} = input [{string.Join(",", InputShapes[k])}] in {InputRanges[k]}\n");
        for (int i = 0; i < Steps.Length; i++) sb.Append("  ").Append(Steps[i].Describe(InputShapes.Length + i)).Append('\n');
        sb.Append("  return ").Append(string.Join(", ", Outputs.Select(o => "%" + o)));
        return sb.ToString();
    }
}
