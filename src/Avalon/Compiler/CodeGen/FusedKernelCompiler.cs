using System.Diagnostics;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Text;
using Avalon.Compiler.Fusion;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// Generates the CPU code of a fused elementwise kernel with System.Linq.Expressions: one loop nest per
/// (expression, layout, vector width), compiled to a delegate that the JIT turns into SIMD machine code.
/// The loop walks output elements [start, end) row by row (see <see cref="FusedLayout"/>); per row it
/// runs a vector body (every input dense or broadcast) and a scalar tail, with values that do not change
/// along a row (scalars, per-row values and everything computed only from them) computed once per call
/// or once per row. Every operation is a call of a lane operation of <see cref="FusedVector512"/>,
/// <see cref="FusedVector256"/> or <see cref="FusedScalar"/>, which the JIT inlines. A readable
/// pseudo-C# listing of the same loop is written alongside.
/// </summary>
internal static class FusedKernelCompiler
{
    /// <summary>Generates and compiles the kernel of <paramref name="expression"/> for <paramref name="layout"/>.</summary>
    public static FusedKernel Compile(FusedExpression expression, FusedLayout layout, VectorWidth width)
    {
        var timer = Stopwatch.StartNew();
        var generator = new Generator(expression, layout, width);
        var lambda = generator.Build();
        var body = lambda.Compile();
        return new FusedKernel(expression, layout.Key, width, body, generator.Listing, timer.Elapsed);
    }

    private sealed class Generator
    {
        private readonly FusedExpression _e;
        private readonly FusedLayout _layout;
        private readonly VectorWidth _width;
        private readonly Type _t;
        private readonly Type _helper;      // the vector lane operations
        private readonly string _helperName;
        private readonly int _lanes;
        private readonly bool _vectorized;
        private readonly bool _tailSensitive;   // has log1p/expm1/erf, whose unfused loops have scalar tails
        private readonly int[] _level;      // per node: 0 once per call, 1 once per row, 2 per element
        private readonly StringBuilder _text = new();
        private int _indent;

        private readonly ParameterExpression _frame = Expression.Parameter(typeof(FusedFrame), "f");
        private readonly ParameterExpression _start = Expression.Parameter(typeof(int), "start");
        private readonly ParameterExpression _end = Expression.Parameter(typeof(int), "end");
        private readonly List<ParameterExpression> _locals = [];
        private ParameterExpression[] _data = [];
        private ParameterExpression[] _offset = [];
        private ParameterExpression?[] _rowStride = [];
        private ParameterExpression?[] _colStride = [];
        private ParameterExpression[] _base = [];
        private ParameterExpression[] _scalar = [];
        private ParameterExpression?[] _vector = [];
        private ParameterExpression _col = null!;
        private ParameterExpression? _vecEnd;
        private ParameterExpression? _rowFlat;

        public Generator(FusedExpression expression, FusedLayout layout, VectorWidth width)
        {
            _e = expression;
            _layout = layout;
            _width = width;
            _t = expression.ElementType == DType.Float32 ? typeof(float) : typeof(double);
            _vectorized = width != VectorWidth.Scalar && layout.Access.All(a => a != InputAccess.Strided);
            (_helper, _helperName) = width switch
            {
                VectorWidth.Vector512 => (typeof(FusedVector512), "V512"),
                VectorWidth.Vector256 => (typeof(FusedVector256), "V256"),
                _ => (typeof(FusedScalar), "S"),
            };
            _lanes = VectorWidths.Lanes(width, expression.ElementType);
            _tailSensitive = width != VectorWidth.Scalar && expression.Nodes.Any(n => IsTailSensitive(n.Op));
            _level = new int[expression.Nodes.Count];
            for (int i = 0; i < _level.Length; i++)
            {
                var n = expression.Nodes[i];
                _level[i] = n.Op == FusedOp.Input
                    ? layout.Access[n.InputIndex] switch { InputAccess.Scalar => 0, InputAccess.PerRow => 1, _ => 2 }
                    : _tailSensitive && IsTailSensitive(n.Op) ? 2   // its form depends on the element's position
                    : n.Args.Select(a => _level[a]).DefaultIfEmpty(0).Max();
            }
        }

        public string Listing => _text.ToString();

        private static bool IsTailSensitive(FusedOp op) => op is FusedOp.Log1p or FusedOp.Expm1 or FusedOp.Erf;

        // Functions the unfused kernels run through TensorPrimitives, which has a scalar path for tiny spans.
        private static bool IsThroughTensorPrimitives(FusedOp op) =>
            op is FusedOp.Exp or FusedOp.Log or FusedOp.Sin or FusedOp.Cos or FusedOp.Tanh or FusedOp.Sigmoid or FusedOp.PowScalar;

        private string TName => _t == typeof(float) ? "float" : "double";

        private ParameterExpression Local(Type type, string name)
        {
            var v = Expression.Variable(type, name);
            _locals.Add(v);
            return v;
        }

        private void Line(string s) => _text.Append(' ', 4 * _indent).AppendLine(s);

        private Expression Assign(List<Expression> into, ParameterExpression v, Expression value, string text)
        {
            Line($"{v.Name} = {text};");
            var a = Expression.Assign(v, value);
            into.Add(a);
            return a;
        }

        private MethodInfo Method(Type helper, string name) =>
            (helper.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException($"Fused code generation: {helper.Name} has no operation '{name}'. This is a bug."))
            .MakeGenericMethod(_t);

        private Expression Const(double value) => Expression.Constant(_t == typeof(float) ? (object)(float)value : value, _t);

        private string ConstText(double value) => _t == typeof(float)
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f"
            : value.ToString("R", CultureInfo.InvariantCulture);

        private static Expression Int(int v) => Expression.Constant(v);

        public Expression<Action<FusedFrame, int, int>> Build()
        {
            int k = _e.InputCount;
            string layoutText = string.Join(", ", Enumerable.Range(0, k).Select(i => $"x{i} {(_e.InputIsMask(i) ? "mask " : "")}{_layout.Access[i].ToString().ToLowerInvariant()}"));
            Line($"// fused kernel {_e.ElementType.Name()}: {_e}");
            Line($"// layout {(_layout.IsNd ? "n-d rows" : "rows")} ({layoutText}); {(_vectorized ? $"{_width}, {_lanes} lanes" : "scalar")}");
            Line("void Kernel(FusedFrame f, int start, int end)");
            Line("{");
            _indent++;
            var body = new List<Expression>();

            _data = new ParameterExpression[k + 1];
            _offset = new ParameterExpression[k + 1];
            _rowStride = new ParameterExpression?[k];
            _colStride = new ParameterExpression?[k];
            _base = new ParameterExpression[k + 1];
            var dataProp = Expression.Property(_frame, nameof(FusedFrame.Data));
            var offsetProp = Expression.Property(_frame, nameof(FusedFrame.Offsets));
            for (int i = 0; i <= k; i++)
            {
                bool output = i == k;
                var arrayType = !output && _e.InputIsMask(i) ? typeof(bool[]) : _t.MakeArrayType();
                string name = output ? "y" : "x" + i;
                _data[i] = Local(arrayType, name);
                Assign(body, _data[i], Expression.Convert(Expression.ArrayIndex(dataProp, Int(i)), arrayType), $"({(arrayType == typeof(bool[]) ? "bool" : TName)}[])f.Data[{i}]");
                _offset[i] = Local(typeof(int), "o" + (output ? "y" : i.ToString(CultureInfo.InvariantCulture)));
                Assign(body, _offset[i], Expression.ArrayIndex(offsetProp, Int(i)), $"f.Offsets[{i}]");
                if (!output && !_layout.IsNd && _layout.Access[i] != InputAccess.Scalar)
                {
                    _rowStride[i] = Local(typeof(int), "rs" + i);
                    Assign(body, _rowStride[i]!, Expression.ArrayIndex(Expression.Property(_frame, nameof(FusedFrame.RowStrides)), Int(i)), $"f.RowStrides[{i}]");
                }
                if (!output && _layout.Access[i] == InputAccess.Strided)
                {
                    _colStride[i] = Local(typeof(int), "cs" + i);
                    Assign(body, _colStride[i]!, Expression.ArrayIndex(Expression.Property(_frame, nameof(FusedFrame.ColStrides)), Int(i)), $"f.ColStrides[{i}]");
                }
                _base[i] = Local(typeof(int), output ? "by" : "b" + i);
            }
            var inner = Local(typeof(int), "inner");
            Assign(body, inner, Expression.Property(_frame, nameof(FusedFrame.Inner)), "f.Inner");
            if (_tailSensitive)
            {
                _vecEnd = Local(typeof(int), "vecEnd");
                Line("// the flat index where the unfused log1p/expm1/erf loop's scalar tail starts");
                Assign(body, _vecEnd, Expression.Property(_frame, nameof(FusedFrame.VectorEnd)), "f.VectorEnd");
                _rowFlat = Local(typeof(int), "rowFlat");
            }

            _scalar = new ParameterExpression[_e.Nodes.Count];
            _vector = new ParameterExpression?[_e.Nodes.Count];
            for (int i = 0; i < _e.Nodes.Count; i++)
            {
                bool mask = _e.IsMask(i);
                _scalar[i] = Local(mask ? typeof(bool) : _t, "s" + i);
                if (_vectorized) _vector[i] = Local(VectorType(), "v" + i);
            }
            _col = Local(typeof(int), "col");

            // Once per call: scalars and what depends only on them.
            EmitLevel(body, 0);

            var row = Local(typeof(int), "row");
            var pos = Local(typeof(int), "pos");
            var colEnd = Local(typeof(int), "colEnd");
            var rowStart = Local(typeof(int), "colStart");
            Assign(body, row, Expression.Divide(_start, inner), "start / inner");
            Assign(body, _col, Expression.Subtract(_start, Expression.Multiply(row, inner)), "start - row * inner");
            Assign(body, pos, _start, "start");
            Line("while (pos < end)   // one row (or part of one) per iteration");
            Line("{");
            _indent++;
            var rowBody = new List<Expression>();
            var minInt = typeof(Math).GetMethod(nameof(Math.Min), [typeof(int), typeof(int)])!;
            Assign(rowBody, colEnd, Expression.Call(minInt, inner, Expression.Add(_col, Expression.Subtract(_end, pos))), "Math.Min(inner, col + (end - pos))");
            Assign(rowBody, rowStart, _col, "col");
            for (int i = 0; i < k; i++)
            {
                if (_layout.Access[i] == InputAccess.Scalar) continue;
                if (_layout.IsNd)
                    Assign(rowBody, _base[i], Expression.Call(typeof(FusedFrame).GetMethod(nameof(FusedFrame.RowBase))!, _frame, Int(i), row), $"FusedFrame.RowBase(f, {i}, row)");
                else
                    Assign(rowBody, _base[i], Expression.Add(_offset[i], Expression.Multiply(row, _rowStride[i]!)), $"o{i} + row * rs{i}");
            }
            Assign(rowBody, _base[k], Expression.Add(_offset[k], Expression.Subtract(pos, _col)), "oy + (pos - col)");
            EmitLevel(rowBody, 1);   // once per row: per-row values and what depends only on them and scalars

            if (_vectorized)
            {
                var vectorEnd = colEnd;
                if (_tailSensitive)
                {
                    Assign(rowBody, _rowFlat!, Expression.Subtract(pos, _col), "pos - col");
                    vectorEnd = Local(typeof(int), "colVector");
                    Assign(rowBody, vectorEnd, Expression.Call(minInt, colEnd, Expression.Subtract(_vecEnd!, _rowFlat!)), "Math.Min(colEnd, vecEnd - rowFlat)");
                }
                Line($"for (; col <= {vectorEnd.Name} - {_lanes}; col += {_lanes})");
                rowBody.Add(EmitColumnLoop(vectorEnd, vector: true));
            }
            else if (_tailSensitive)
                Assign(rowBody, _rowFlat!, Expression.Subtract(pos, _col), "pos - col");
            Line("for (; col < colEnd; col++)");
            rowBody.Add(EmitColumnLoop(colEnd, vector: false));

            rowBody.Add(Expression.AddAssign(pos, Expression.Subtract(colEnd, rowStart)));
            rowBody.Add(Expression.PreIncrementAssign(row));
            rowBody.Add(Expression.Assign(_col, Int(0)));
            Line("pos += colEnd - colStart; row++; col = 0;");
            _indent--;
            Line("}");
            _indent--;
            Line("}");

            var exitRows = Expression.Label("rowsDone");
            body.Add(Expression.Loop(
                Expression.IfThenElse(Expression.LessThan(pos, _end), Expression.Block(rowBody), Expression.Break(exitRows)),
                exitRows));
            return Expression.Lambda<Action<FusedFrame, int, int>>(Expression.Block(_locals, body), "FusedKernel", [_frame, _start, _end]);
        }

        private Type VectorType() => _width == VectorWidth.Vector512
            ? typeof(Vector512<>).MakeGenericType(_t) : typeof(Vector256<>).MakeGenericType(_t);

        // The nodes of one level, in both forms: the scalar one (for the tail) and, in a vectorized kernel, the vector one.
        private void EmitLevel(List<Expression> into, int level)
        {
            for (int i = 0; i < _e.Nodes.Count; i++)
            {
                if (_level[i] != level) continue;
                EmitNode(into, i, vector: false);
                if (_vectorized) EmitNode(into, i, vector: true);
            }
        }

        private Expression EmitColumnLoop(ParameterExpression colEnd, bool vector)
        {
            Line("{");
            _indent++;
            var loop = new List<Expression>();
            for (int i = 0; i < _e.Nodes.Count; i++)
                if (_level[i] == 2) EmitNode(loop, i, vector);
            int root = _e.Nodes.Count - 1;
            var helper = vector ? _helper : typeof(FusedScalar);
            string h = vector ? _helperName : "S";
            var value = vector ? _vector[root]! : _scalar[root];
            loop.Add(Expression.Call(Method(helper, "Store"), _data[^1], Expression.Add(_base[^1], _col), value));
            Line($"{h}.Store(y, by + col, {value.Name});");
            loop.Add(vector ? Expression.AddAssign(_col, Int(_lanes)) : Expression.PreIncrementAssign(_col));
            _indent--;
            Line("}");
            var exit = Expression.Label(vector ? "vectorDone" : "tailDone");
            var test = vector
                ? Expression.LessThanOrEqual(_col, Expression.Subtract(colEnd, Int(_lanes)))
                : Expression.LessThan(_col, colEnd);
            return Expression.Loop(Expression.IfThenElse(test, Expression.Block(loop), Expression.Break(exit)), exit);
        }

        private void EmitNode(List<Expression> into, int i, bool vector)
        {
            var node = _e.Nodes[i];
            var target = vector ? _vector[i]! : _scalar[i];
            var helper = vector ? _helper : typeof(FusedScalar);
            string h = vector ? _helperName : "S";
            if (node.Op == FusedOp.Input)
            {
                int k = node.InputIndex;
                bool mask = _e.InputIsMask(k);
                string load = mask ? "LoadMask" : "Load", splat = mask ? "SplatMask" : "Splat";
                switch (_layout.Access[k])
                {
                    case InputAccess.Scalar or InputAccess.PerRow:
                        var at = _layout.Access[k] == InputAccess.Scalar ? _offset[k] : _base[k];
                        if (vector)
                            Assign(into, target, Expression.Call(Method(helper, splat), _scalar[i]), $"{h}.{splat}({_scalar[i].Name})");
                        else
                            Assign(into, target, Expression.Call(Method(typeof(FusedScalar), load), _data[k], at), $"S.{load}(x{k}, {at.Name})");
                        break;
                    case InputAccess.Dense:
                        Assign(into, target, Expression.Call(Method(helper, load), _data[k], Expression.Add(_base[k], _col)), $"{h}.{load}(x{k}, b{k} + col)");
                        break;
                    default:
                        Assign(into, target, Expression.Call(Method(typeof(FusedScalar), load), _data[k], Expression.Add(_base[k], Expression.Multiply(_col, _colStride[k]!))),
                            $"S.{load}(x{k}, b{k} + col * cs{k})");
                        break;
                }
                return;
            }
            var args = node.Args.Select(a => (Expression)(vector ? _vector[a]! : _scalar[a])).ToArray();
            var names = node.Args.Select(a => (vector ? _vector[a]! : _scalar[a]).Name!).ToArray();
            if (node.Op == FusedOp.PowScalar)
            {
                EmitPowScalar(into, target, helper, h, args[0], names[0], node.Parameter);
                return;
            }
            string op = FusedOpInfo.HelperName(node.Op);
            if (!vector && _layout.IsTiny && IsThroughTensorPrimitives(node.Op)) op += "Tiny";
            if (!vector && _tailSensitive && IsTailSensitive(node.Op))
            {
                // The unfused loop's vector body covers flat indices below vecEnd: those elements take the vector form's lane.
                var flat = Expression.Add(_rowFlat!, _col);
                Assign(into, target,
                    Expression.Condition(Expression.LessThan(flat, _vecEnd!), Expression.Call(Method(_helper, op + "Lane"), args), Expression.Call(Method(helper, op), args)),
                    $"rowFlat + col < vecEnd ? {_helperName}.{op}Lane({names[0]}) : S.{op}({names[0]})");
                return;
            }
            if (FusedOpInfo.HasParameter(node.Op))
            {
                Assign(into, target, Expression.Call(Method(helper, op), args[0], Const(node.Parameter)), $"{h}.{op}({names[0]}, {ConstText(node.Parameter)})");
                return;
            }
            Assign(into, target, Expression.Call(Method(helper, op), args), $"{h}.{op}({string.Join(", ", names)})");
        }

        // pow_scalar with the unfused kernel's fast paths, chosen here once (the exponent is a constant).
        private void EmitPowScalar(List<Expression> into, ParameterExpression target, Type helper, string h, Expression x, string xn, double exponent)
        {
            double e = _t == typeof(float) ? (float)exponent : exponent;
            Expression Call(string name, params Expression[] a) => Expression.Call(Method(helper, name), a);
            switch (e)
            {
                case 0: Assign(into, target, Call("Splat", Const(1)), $"{h}.Splat({ConstText(1)})"); break;
                case 1: Assign(into, target, x, xn); break;
                case 2: Assign(into, target, Call("Mul", x, x), $"{h}.Mul({xn}, {xn})"); break;
                case 3: Assign(into, target, Call("Mul", Call("Mul", x, x), x), $"{h}.Mul({h}.Mul({xn}, {xn}), {xn})"); break;
                case 0.5: Assign(into, target, Call("Sqrt", x), $"{h}.Sqrt({xn})"); break;
                case -0.5: Assign(into, target, Call("Rsqrt", x), $"{h}.Rsqrt({xn})"); break;
                case -1: Assign(into, target, Call("Reciprocal", x), $"{h}.Reciprocal({xn})"); break;
                case -2: Assign(into, target, Call("Reciprocal", Call("Mul", x, x)), $"{h}.Reciprocal({h}.Mul({xn}, {xn}))"); break;
                default:
                    string name = helper == typeof(FusedScalar) && _layout.IsTiny ? "PowScalarTiny" : "PowScalar";
                    Assign(into, target, Call(name, x, Const(e)), $"{h}.{name}({xn}, {ConstText(e)})");
                    break;
            }
        }
    }
}
