namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// Builds a <see cref="RandomProgram"/> from a sequence of choices (non-negative integers, each read as
/// "the k-th option modulo the number of options"; the sequence repeats when it runs out), so that a
/// property-based test's generator only has to draw an integer array: a smaller array with smaller numbers
/// gives a shorter program of earlier (simpler) options, which is how CsCheck's shrinking finds a small case.
/// </summary>
/// <remarks>
/// The programs mix elementwise unary and binary primitives (with broadcasting, size-1 dims and 0-d
/// values), scalar operands, reductions over random axes with and without keepdim, softmax, views
/// (reshape, transpose, permute, expand, slice), matmul where shapes allow (against a captured weight when
/// no value fits; often followed by a bias and an activation, as in a linear layer), the patterns the
/// simplifier rewrites (<c>x*1</c>, <c>neg(neg x)</c>, a transpose of a transpose, ...), literal
/// constants and expressions over them (folded), captured tensors (not folded), duplicated steps
/// (merged), in-place updates of fresh values, directly and through a slice, and random draws (dropout,
/// uniform noise) from the program's generator. Every
/// value's range is tracked (<see cref="ValueRange"/>): log, sqrt, rsqrt, reciprocal, pow and division
/// only see arguments bounded away from zero (an <c>abs(x) + 0.5</c> is inserted otherwise), exp only
/// bounded ones, and any value past <see cref="Limit"/> in magnitude is scaled down by a power of two.
/// </remarks>
internal sealed class RandomProgramBuilder
{
    /// <summary>The largest magnitude a value may reach before it is scaled down.</summary>
    public const double Limit = 16;

    private const int SmallNumel = 600;

    /// <summary>The shape of the inputs of a large program: 65,792 elements, past the 64K at which elementwise kernels split their work.</summary>
    private static readonly int[] LargeShape = [256, 257];
    private const int MaxRank = 4;

    private static readonly string[] UnaryOps =
        ["neg", "exp", "tanh", "sin", "log", "sqrt", "relu", "abs", "square", "sigmoid", "cos", "rsqrt", "log1p", "expm1", "erf", "reciprocal", "pow_s"];
    private static readonly string[] BinaryOps = ["add", "mul", "sub", "div", "maximum", "minimum", "where", "pow"];
    private static readonly string[] ScalarOps = ["add_s", "mul_s", "sub_s", "rsub_s", "div_s", "clamp"];
    private static readonly double[] Scalars = [0.5, 2, -1.5, 3, 0.25, -0.75];
    private static readonly string[] ReductionOps = ["sum", "mean", "amax", "max_dim"];
    private static readonly string[] ViewOps = ["reshape", "transpose", "expand", "slice", "permute"];
    private static readonly string[] PatternOps = ["mul_one", "neg_neg", "transpose_twice", "add_zero", "reshape_twice", "one_mul", "div_one", "expand_mul"];

    private readonly int[] _choices;
    private int _next;
    private readonly List<int[]> _inputShapes = [];
    private readonly List<ValueRange> _inputRanges = [];
    private readonly List<ProgramStep> _steps = [];

    private RandomProgramBuilder(int[] choices, bool large, bool inputWrites, bool valueWrites)
    {
        _choices = choices;
        _large = large;
        _inputWrites = inputWrites;
        _valueWrites = valueWrites;
        MaxNumel = large ? 2 * LargeShape[0] * LargeShape[1] : SmallNumel;
    }

    private readonly bool _large;
    private readonly bool _inputWrites;
    private readonly bool _valueWrites;

    /// <summary>The most elements a value may have.</summary>
    private int MaxNumel { get; }

    /// <summary>
    /// Builds the program the choices describe: at least <paramref name="steps"/> steps (some ops add helper
    /// steps) over <paramref name="inputs"/> inputs. The steps are drawn one after the other, so fewer steps
    /// from the same choices give a prefix of the same program (what makes shrinking the count useful).
    /// </summary>
    /// <param name="inputs">The number of inputs.</param>
    /// <param name="steps">The least number of steps.</param>
    /// <param name="choices">The choice sequence.</param>
    /// <param name="seed">The seed of the input and captured values.</param>
    /// <param name="large">Inputs of 65,792 elements (and broadcasts of them) instead of small ones.</param>
    /// <param name="inputWrites">Some steps write into an input in place (eager autograd refuses that on a leaf, so not for gradients).</param>
    /// <param name="valueWrites">Some steps write in place into an earlier value that other steps have read already.</param>
    public static RandomProgram Build(int inputs, int steps, int[] choices, ulong seed, bool large = false, bool inputWrites = false, bool valueWrites = false)
    {
        var b = new RandomProgramBuilder(choices, large, inputWrites, valueWrites);
        b.AddInputs(inputs);
        while (b._steps.Count < steps) b.AddStep();
        return new RandomProgram([.. b._inputShapes], [.. b._inputRanges], [.. b._steps], b.ChooseOutputs(), seed);
    }

    private int Count => _inputShapes.Count + _steps.Count;

    private int Choose(int n)
    {
        if (n <= 1 || _choices.Length == 0) return 0;
        int c = _choices[_next++ % _choices.Length];
        return (int)((uint)c % (uint)n);
    }

    private bool Chance(int percent) => Choose(100) < percent;

    private T OneOf<T>(T[] options) => options[Choose(options.Length)];

    private int[] Shape(int id) => id < _inputShapes.Count ? _inputShapes[id] : _steps[id - _inputShapes.Count].Shape;

    private ValueRange Range(int id) => id < _inputShapes.Count ? _inputRanges[id] : _steps[id - _inputShapes.Count].Range;

    private static int Numel(int[] shape) => shape.Aggregate(1, (a, d) => a * d);

    private void AddInputs(int count)
    {
        int rank = Choose(4);
        var base0 = _large ? (int[])LargeShape.Clone() : Enumerable.Range(0, rank).Select(_ => Dim()).ToArray();
        while (!_large && Numel(base0) > MaxNumel / 4) base0[Array.IndexOf(base0, base0.Max())] /= 2;
        for (int k = 0; k < count; k++)
        {
            int[] shape;
            if (k > 0 && Chance(25)) shape = Enumerable.Range(0, Choose(4)).Select(_ => 1 + Choose(4)).ToArray();   // unrelated, small
            else shape = BroadcastableVariant(base0);
            _inputShapes.Add(shape);
            _inputRanges.Add(Chance(40) ? new ValueRange(0.5, 2) : new ValueRange(-2, 2));
        }
    }

    /// <summary>A dimension: mostly 1 to 5, sometimes one that crosses a vector width (16 floats for Vector512, 8 for Vector256).</summary>
    private int Dim() => Chance(85) ? 1 + Choose(5) : OneOf(new[] { 7, 9, 16, 17, 33 });

    /// <summary>A shape that broadcasts to <paramref name="shape"/>: trailing dims, some of them 1.</summary>
    private int[] BroadcastableVariant(int[] shape)
    {
        int drop = Chance(30) ? Choose(shape.Length + 1) : 0;
        return shape.Skip(drop).Select(d => Chance(25) ? 1 : d).ToArray();
    }

    private int PickValue() => Chance(65) ? Count - 1 - Choose(Math.Min(Count, 4)) : Choose(Count);

    private int Emit(string op, int[] args, int[] ints, double number, int[] shape, ValueRange range)
    {
        _steps.Add(new ProgramStep(op, args, ints, number, shape, range));
        int id = Count - 1;
        if (range.Magnitude <= Limit) return id;
        double factor = 1;
        while (range.Magnitude * factor > Limit) factor /= 2;              // a power of two: exact
        return Emit("mul_s", [id], [], factor, shape, range.Scaled(factor));
    }

    /// <summary><paramref name="id"/> itself when its elements are at least <paramref name="min"/>; else <c>abs(x) + 0.5</c> (+ more when needed).</summary>
    private int Positive(int id, double min)
    {
        if (Range(id).Lo >= min) return id;
        var shape = Shape(id);
        int a = Emit("abs", [id], [], 0, shape, Range(id).Abs());
        double shift = Math.Max(0.5, min);
        return Emit("add_s", [a], [], shift, shape, new ValueRange(Range(a).Lo + shift, Range(a).Hi + shift));
    }

    /// <summary><paramref name="id"/> itself when its magnitude is at most <paramref name="max"/>; else its tanh.</summary>
    private int Bounded(int id, double max) =>
        Range(id).Magnitude <= max ? id : Emit("tanh", [id], [], 0, Shape(id), Range(id).Increasing(Math.Tanh));

    private void AddStep()
    {
        if ((_inputWrites || _valueWrites) && Chance(12))
        {
            bool intoInput = _inputWrites && (!_valueWrites || Chance(50));
            if (intoInput ? AddInputWrite() : AddWriteBack()) return;
        }
        int kind = Choose(100);
        if (kind < 28) AddUnary();
        else if (kind < 46) AddBinary();
        else if (kind < 54) AddScalar();
        else if (kind < 62) AddReduction();
        else if (kind < 66) AddSoftmax();
        else if (kind < 77) AddView();
        else if (kind < 82) AddMatMul();
        else if (kind < 88) AddPattern();
        else if (kind < 93) AddConstant();
        else if (kind < 96) AddDuplicate();
        else if (kind < 98) AddInPlace();
        else AddRandom();
    }

    private void AddUnary()
    {
        string op = OneOf(UnaryOps);
        int x = PickValue();
        switch (op)
        {
            case "exp" or "expm1":
                x = Bounded(x, 2.5);
                Emit(op, [x], [], 0, Shape(x), Range(x).Increasing(op == "exp" ? Math.Exp : v => Math.Exp(v) - 1));
                break;
            case "log":
                x = Positive(x, 0.2);
                Emit(op, [x], [], 0, Shape(x), Range(x).Increasing(Math.Log));
                break;
            case "sqrt":
                x = Positive(x, 0.1);
                Emit(op, [x], [], 0, Shape(x), Range(x).Increasing(Math.Sqrt));
                break;
            case "rsqrt":
                x = Positive(x, 0.25);
                Emit(op, [x], [], 0, Shape(x), new ValueRange(1 / Math.Sqrt(Range(x).Hi), 1 / Math.Sqrt(Range(x).Lo)));
                break;
            case "reciprocal":
                x = Positive(x, 0.25);
                Emit(op, [x], [], 0, Shape(x), new ValueRange(1 / Range(x).Hi, 1 / Range(x).Lo));
                break;
            case "log1p":
                if (Range(x).Lo < -0.5) x = Positive(x, 0);
                Emit(op, [x], [], 0, Shape(x), Range(x).Increasing(v => Math.Log(1 + v)));
                break;
            case "pow_s":
                double e = OneOf(new[] { 2.0, 0.5, 3, -1, 1.5 });
                x = Bounded(Positive(x, 0.25), 3);
                double p = Math.Pow(Range(x).Lo, e), q = Math.Pow(Range(x).Hi, e);
                Emit(op, [x], [], e, Shape(x), new ValueRange(Math.Min(p, q), Math.Max(p, q)));
                break;
            case "square":
                x = Bounded(x, 4);
                var a = Range(x).Abs();
                Emit(op, [x], [], 0, Shape(x), new ValueRange(a.Lo * a.Lo, a.Hi * a.Hi));
                break;
            case "neg": Emit(op, [x], [], 0, Shape(x), Range(x).Scaled(-1)); break;
            case "tanh": Emit(op, [x], [], 0, Shape(x), Range(x).Increasing(Math.Tanh)); break;
            case "sigmoid": Emit(op, [x], [], 0, Shape(x), Range(x).Increasing(v => 1 / (1 + Math.Exp(-v)))); break;
            case "relu": Emit(op, [x], [], 0, Shape(x), new ValueRange(Math.Max(Range(x).Lo, 0), Math.Max(Range(x).Hi, 0))); break;
            case "abs": Emit(op, [x], [], 0, Shape(x), Range(x).Abs()); break;
            default: Emit(op, [x], [], 0, Shape(x), new ValueRange(-1, 1)); break;   // sin, cos, erf
        }
    }

    /// <summary>The shape both broadcast to, or null when they do not (or the result would be too large).</summary>
    private int[]? Broadcast(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1) return null;
            r[i] = Math.Max(da, db);
        }
        return rank <= MaxRank && Numel(r) <= MaxNumel ? r : null;
    }

    /// <summary>A value that broadcasts with <paramref name="a"/>: an existing one, or (sometimes, or when none fits) a new constant.</summary>
    private int Partner(int a)
    {
        var fits = Enumerable.Range(0, Count).Where(v => v != a && Broadcast(Shape(a), Shape(v)) is not null).ToList();
        if (fits.Count == 0 || Chance(20)) return NewConstant(BroadcastableVariant(Shape(a)));
        var recent = fits.Where(v => v >= Count - 5).ToList();
        return recent.Count > 0 && Chance(60) ? recent[Choose(recent.Count)] : fits[Choose(fits.Count)];
    }

    private int NewConstant(int[] shape)
    {
        if (Chance(50))
        {
            double c = OneOf(Scalars);
            return Emit("literal", [], shape, c, shape, new ValueRange(c, c));
        }
        return Emit("captured", [], shape, 0, shape, new ValueRange(-1, 1));
    }

    private void AddBinary()
    {
        string op = OneOf(BinaryOps);
        int a = PickValue();
        int b = Partner(a);
        if (op == "div") b = Positive(b, 0.25);
        if (op == "pow")
        {
            a = Bounded(Positive(a, 0.25), 3);
            b = Bounded(b, 2);
        }
        var shape = Broadcast(Shape(a), Shape(b))!;
        ValueRange ra = Range(a), rb = Range(b);
        var range = op switch
        {
            "add" => new ValueRange(ra.Lo + rb.Lo, ra.Hi + rb.Hi),
            "sub" => new ValueRange(ra.Lo - rb.Hi, ra.Hi - rb.Lo),
            "mul" => ra.Times(rb),
            "div" => ra.Times(new ValueRange(1 / rb.Hi, 1 / rb.Lo)),
            "maximum" => new ValueRange(Math.Max(ra.Lo, rb.Lo), Math.Max(ra.Hi, rb.Hi)),
            "minimum" => new ValueRange(Math.Min(ra.Lo, rb.Lo), Math.Min(ra.Hi, rb.Hi)),
            "pow" => PowRange(ra, rb),
            _ => ra.Union(rb),                                              // where(a > 0, a, b)
        };
        Emit(op, [a, b], [], 0, shape, range);
    }

    private static ValueRange PowRange(ValueRange b, ValueRange e)
    {
        var corners = new[] { Math.Pow(b.Lo, e.Lo), Math.Pow(b.Lo, e.Hi), Math.Pow(b.Hi, e.Lo), Math.Pow(b.Hi, e.Hi) };
        return new ValueRange(corners.Min(), corners.Max());
    }

    private void AddScalar()
    {
        string op = OneOf(ScalarOps);
        int x = PickValue();
        double c = OneOf(Scalars);
        var r = Range(x);
        switch (op)
        {
            case "add_s": Emit(op, [x], [], c, Shape(x), new ValueRange(r.Lo + c, r.Hi + c)); break;
            case "sub_s": Emit(op, [x], [], c, Shape(x), new ValueRange(r.Lo - c, r.Hi - c)); break;
            case "rsub_s": Emit(op, [x], [], c, Shape(x), new ValueRange(c - r.Hi, c - r.Lo)); break;
            case "mul_s": Emit(op, [x], [], c, Shape(x), r.Scaled(c)); break;
            case "div_s": Emit(op, [x], [], c, Shape(x), r.Scaled(1 / c)); break;
            default:
                double m = Math.Abs(c);
                Emit(op, [x], [], m, Shape(x), new ValueRange(Math.Clamp(r.Lo, -m, m), Math.Clamp(r.Hi, -m, m)));
                break;
        }
    }

    private int[] RandomDims(int rank)
    {
        var dims = Enumerable.Range(0, rank).Where(_ => Chance(50)).ToList();
        if (dims.Count == 0) dims.Add(Choose(rank));
        return dims.Select(d => Chance(30) ? d - rank : d).ToArray();
    }

    private void AddReduction()
    {
        string op = OneOf(ReductionOps);
        int x = PickValue();
        var shape = Shape(x);
        int rank = shape.Length;
        bool keep = Chance(50);
        if (op == "max_dim" && rank == 0) op = "amax";
        int[] dims = op == "max_dim" ? [Choose(rank) - (Chance(30) ? rank : 0)]
            : rank == 0 || Chance(30) ? [] : RandomDims(rank);
        var reduced = dims.Length == 0 ? Enumerable.Range(0, rank).ToHashSet() : dims.Select(d => d < 0 ? d + rank : d).ToHashSet();
        var result = Enumerable.Range(0, rank).Where(d => keep || !reduced.Contains(d)).Select(d => reduced.Contains(d) ? 1 : shape[d]).ToArray();
        int n = Enumerable.Range(0, rank).Where(reduced.Contains).Aggregate(1, (a, d) => a * shape[d]);
        var range = op == "sum" ? Range(x).Scaled(n) : Range(x);
        Emit(op, [x], dims, keep ? 1 : 0, result, range);
    }

    private void AddSoftmax()
    {
        int x = PickValue();
        var shape = Shape(x);
        if (shape.Length == 0)
        {
            AddUnary();
            return;
        }
        int d = Choose(shape.Length);
        int dim = Chance(30) ? d - shape.Length : d;
        if (Chance(50)) Emit("softmax", [x], [dim], 0, shape, new ValueRange(0, 1));
        else
        {
            var r = Range(x);
            Emit("log_softmax", [x], [dim], 0, shape, new ValueRange(r.Lo - r.Hi - Math.Log(shape[d]), 0));
        }
    }

    /// <summary>A random shape of <paramref name="numel"/> elements (rank 0 to 4).</summary>
    private int[] Factorization(int numel)
    {
        var dims = new List<int>();
        int rest = numel;
        int rank = 1 + Choose(MaxRank);
        for (int i = 0; i < rank - 1 && rest > 1; i++)
        {
            var divisors = Enumerable.Range(1, rest).Where(d => rest % d == 0).ToArray();
            int d = divisors[Choose(divisors.Length)];
            dims.Add(d);
            rest /= d;
        }
        dims.Add(rest);
        if (numel == 1 && Chance(30)) return [];
        return [.. dims];
    }

    private void AddView()
    {
        string op = OneOf(ViewOps);
        int x = PickValue();
        var shape = Shape(x);
        int rank = shape.Length;
        switch (op)
        {
            case "reshape":
            {
                var target = Factorization(Numel(shape));
                var ints = (int[])target.Clone();
                if (ints.Length > 0 && Chance(30)) ints[Choose(ints.Length)] = -1;
                Emit(op, [x], ints, 0, target, Range(x));
                return;
            }
            case "transpose" when rank >= 2:
            {
                int d0 = Choose(rank), d1 = (d0 + 1 + Choose(rank - 1)) % rank;
                var result = (int[])shape.Clone();
                (result[d0], result[d1]) = (result[d1], result[d0]);
                Emit(op, [x], [d0, Chance(30) ? d1 - rank : d1], 0, result, Range(x));
                return;
            }
            case "permute" when rank >= 2:
            {
                var perm = Enumerable.Range(0, rank).ToList();
                var order = new int[rank];
                for (int i = 0; i < rank; i++)
                {
                    int k = Choose(perm.Count);
                    order[i] = perm[k];
                    perm.RemoveAt(k);
                }
                Emit(op, [x], order, 0, order.Select(d => shape[d]).ToArray(), Range(x));
                return;
            }
            case "slice" when shape.Any(s => s >= 2):
            {
                var candidates = Enumerable.Range(0, rank).Where(d => shape[d] >= 2).ToArray();
                int d = candidates[Choose(candidates.Length)];
                var (start, end, step) = RandomSlice(shape[d]);
                var result = (int[])shape.Clone();
                result[d] = (end - start + step - 1) / step;
                Emit(op, [x], [d, start, end, step], 0, result, Range(x));
                return;
            }
            default:                                                           // expand (and the fallback)
            {
                var target = shape.Select(s => s == 1 ? 1 + Choose(3) : s).ToList();
                if (target.Count < MaxRank && Chance(40)) target.Insert(0, 1 + Choose(3));
                var result = target.ToArray();
                if (Numel(result) > MaxNumel) result = shape;
                var ints = result.Select((s, i) => i >= result.Length - rank && s == shape[i - (result.Length - rank)] && Chance(25) ? -1 : s).ToArray();
                Emit("expand", [x], ints, 0, result, Range(x));
                return;
            }
        }
    }

    private (int Start, int End, int Step) RandomSlice(int size)
    {
        int start = Choose(size - 1);
        int end = start + 1 + Choose(size - start);
        return (start, end, 1 + Choose(2));
    }

    private void AddMatMul()
    {
        var lefts = Enumerable.Range(0, Count).Where(v => Shape(v).Length >= 1).ToList();
        if (lefts.Count == 0)
        {
            AddBinary();
            return;
        }
        int a = lefts.Contains(Count - 1) && Chance(50) ? Count - 1 : lefts[Choose(lefts.Count)];
        var sa = Shape(a);
        int k = sa[^1];
        var rights = Enumerable.Range(0, Count).Where(v => MatMulShape(sa, Shape(v)) is not null).ToList();
        int n = 1 + Choose(4);
        int b = rights.Count == 0 || Chance(40) ? Emit("captured", [], [k, n], 0, [k, n], new ValueRange(-1, 1)) : rights[Choose(rights.Count)];
        var shape = MatMulShape(sa, Shape(b));
        if (shape is null)
        {
            AddBinary();
            return;
        }
        var range = Range(a).Times(Range(b)).Scaled(k);
        if (sa.Length >= 2 && Shape(b).Length >= 2 && Chance(50))
        {
            // A dense copy of the transposed product, as a linear layer's weight gradient (matmul_transpose).
            Emit("transposed_product", [a, b], [], 0, [.. shape[..^2], shape[^1], shape[^2]], range);
            return;
        }
        int product = Emit("matmul", [a, b], [], 0, shape, range);
        if (shape.Length == 0 || Chance(40)) return;
        // As a linear layer: a bias over the last dim and often an activation (what epilogue fusion takes).
        int bias = Emit("captured", [], [shape[^1]], 0, [shape[^1]], new ValueRange(-1, 1));
        var r = Range(product);
        int sum = Emit("add", [product, bias], [], 0, shape, new ValueRange(r.Lo - 1, r.Hi + 1));
        if (Chance(70))
        {
            bool relu = Chance(50);
            Emit(relu ? "relu" : "tanh", [sum], [], 0, shape,
                relu ? new ValueRange(Math.Max(Range(sum).Lo, 0), Math.Max(Range(sum).Hi, 0)) : Range(sum).Increasing(Math.Tanh));
        }
    }

    /// <summary>The shape of <c>a.MatMul(b)</c>, or null when they do not fit (or the result would be too large).</summary>
    private int[]? MatMulShape(int[] a, int[] b)
    {
        if (a.Length == 0 || b.Length == 0) return null;
        int k = a[^1];
        if (b.Length == 1) return b[0] == k ? a[..^1] : null;
        if (b[^2] != k) return null;
        if (a.Length == 1) return [.. b[..^2], b[^1]];
        var batch = Broadcast(a[..^2], b[..^2]);
        if (batch is null) return null;
        int[] result = [.. batch, a[^2], b[^1]];
        return result.Length <= MaxRank && Numel(result) <= MaxNumel ? result : null;
    }

    private void AddPattern()
    {
        string op = OneOf(PatternOps);
        int x = PickValue();
        var shape = Shape(x);
        var r = Range(x);
        switch (op)
        {
            case "transpose_twice" when shape.Length >= 2:
                int d0 = Choose(shape.Length), d1 = (d0 + 1 + Choose(shape.Length - 1)) % shape.Length;
                Emit(op, [x], [d0, d1], 0, shape, r);
                return;
            case "reshape_twice":
                Emit(op, [x], Factorization(Numel(shape)), 0, shape, r);
                return;
            case "expand_mul":
                int b = Partner(x);
                Emit(op, [x, b], [], 0, Broadcast(shape, Shape(b))!, r.Times(Range(b)));
                return;
            case "neg_neg" or "mul_one" or "add_zero" or "one_mul" or "div_one":
                Emit(op, [x], [], 0, shape, r);
                return;
            default:
                Emit("neg_neg", [x], [], 0, shape, r);
                return;
        }
    }

    private void AddConstant()
    {
        // A literal, an expression over literals (constant folding), then combined with a value.
        int x = PickValue();
        int c = NewConstant(BroadcastableVariant(Shape(x)));
        if (Chance(60))
        {
            if (Chance(50))
            {
                int bounded = Bounded(c, 2.5);
                c = Emit("exp", [bounded], [], 0, Shape(bounded), Range(bounded).Increasing(Math.Exp));
            }
            else c = Emit("mul_s", [c], [], 2, Shape(c), Range(c).Scaled(2));
        }
        var shape = Broadcast(Shape(x), Shape(c))!;
        if (Chance(50)) Emit("add", [x, c], [], 0, shape, new ValueRange(Range(x).Lo + Range(c).Lo, Range(x).Hi + Range(c).Hi));
        else Emit("mul", [c, x], [], 0, shape, Range(c).Times(Range(x)));
    }

    private void AddDuplicate()
    {
        if (_steps.Count == 0)
        {
            AddUnary();
            return;
        }
        var s = _steps[Choose(_steps.Count)];
        _steps.Add(s);
    }

    private void AddInPlace()
    {
        int x = PickValue();
        var shape = Shape(x);
        var r = Range(x);
        var slicable = Enumerable.Range(0, shape.Length).Where(d => shape[d] >= 2).ToArray();
        if (slicable.Length == 0 || Chance(40))
        {
            double c = OneOf(new[] { 0.5, -1.0 });
            Emit("inplace_add", [x], [], c, shape, new ValueRange(r.Scaled(1.5).Lo + c, r.Scaled(1.5).Hi + c));
            return;
        }
        int d = slicable[Choose(slicable.Length)];
        var (start, end, step) = RandomSlice(shape[d]);
        double m = OneOf(new[] { 2.0, -0.5 });
        var shifted = new ValueRange(r.Lo + 0.25, r.Hi + 0.25);
        Emit("inplace_slice", [x], [d, start, end, step], m, shape, shifted.Union(shifted.Scaled(m)));
    }

    /// <summary>
    /// <c>x.Mul_(0.5)</c> on an input of range [-2, 2] (which the write keeps, so the ranges of values read
    /// from it, views included, stay true); false when no input has that range.
    /// </summary>
    private bool AddInputWrite()
    {
        var signed = Enumerable.Range(0, _inputShapes.Count).Where(k => _inputRanges[k] == new ValueRange(-2, 2)).ToArray();
        if (signed.Length == 0) return false;
        int k = signed[Choose(signed.Length)];
        Emit("input_mul_", [k], [], 0.5, _inputShapes[k], _inputRanges[k]);
        return true;
    }

    private static readonly HashSet<string> FreshOps =
    [
        .. UnaryOps, .. BinaryOps, .. ScalarOps, .. ReductionOps, "softmax", "log_softmax", "matmul", "transposed_product",
        "mul_one", "one_mul", "add_zero", "div_one", "neg_neg", "expand_mul", "inplace_add", "inplace_slice", "dropout", "rand",
    ];

    /// <summary>
    /// <c>v.Mul_(0.5)</c> on an earlier value that owns its memory (not a view, constant or input): reads of
    /// it before the step see the old value, reads after it the new one. Halving keeps every value finite and
    /// of its sign, so the ranges of later steps stay safe; the value's own range takes in both.
    /// </summary>
    private bool AddWriteBack()
    {
        var fresh = Enumerable.Range(0, _steps.Count).Where(i => FreshOps.Contains(_steps[i].Op)).ToArray();
        if (fresh.Length == 0) return false;
        int i = fresh[Choose(fresh.Length)];
        int id = _inputShapes.Count + i;
        var r = Range(id);
        Emit("mul_", [id], [], 0.5, Shape(id), r.Union(r.Scaled(0.5)));
        return true;
    }

    private void AddRandom()
    {
        int x = PickValue();
        if (Chance(50))
        {
            var r = Range(x).Scaled(2);
            Emit("dropout", [x], [], 0, Shape(x), new ValueRange(Math.Min(r.Lo, 0), Math.Max(r.Hi, 0)));
            return;
        }
        // Uniform noise combined with a value (or, when the draw is unused, kept for the generator's stream).
        var shape = BroadcastableVariant(Shape(x));
        int noise = Emit("rand", [], shape, 0, shape, new ValueRange(0, 1));
        if (Chance(75)) Emit("add", [x, noise], [], 0, Broadcast(Shape(x), shape)!, new ValueRange(Range(x).Lo, Range(x).Hi + 1));
    }

    private int[] ChooseOutputs()
    {
        var outputs = new List<int> { Count - 1 };
        int extra = Choose(3);
        for (int i = 0; i < extra; i++)
        {
            int v = Choose(Count);
            if (!outputs.Contains(v)) outputs.Add(v);
        }
        return [.. outputs];
    }
}
