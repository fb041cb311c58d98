using Avalon.Nn;

namespace Avalon.Onnx.Ops;

/// <summary>Arithmetic, math, activation, comparison, logical and cast operators.</summary>
internal static class ElementwiseOps
{
    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.One("Identity", c => c.Input(0));
        t.One("Add", c => Binary(c, (a, b) => a.Add(b)));
        t.One("Sub", c => Binary(c, (a, b) => a.Sub(b)));
        t.One("Mul", c => Binary(c, (a, b) => a.Mul(b)));
        t.One("Div", c => Binary(c, Div));
        t.One("Pow", Pow);
        t.One("Mod", Mod);
        t.One("Max", c => Variadic(c, (a, b) => a.Maximum(b)));
        t.One("Min", c => Variadic(c, (a, b) => a.Minimum(b)));
        t.One("Sum", c => Variadic(c, (a, b) => a.Add(b)));
        t.One("Mean", c => Variadic(c, (a, b) => a.Add(b)) / c.InputCount);
        t.One("Neg", c => c.Input(0).Neg());
        t.One("Abs", c => c.Input(0).Abs());
        t.One("Sign", c => c.Input(0).Sign());
        t.One("Exp", c => Float(c.Input(0), x => x.Exp()));
        t.One("Log", c => Float(c.Input(0), x => x.Log()));
        t.One("Sqrt", c => Float(c.Input(0), x => x.Sqrt()));
        t.One("Reciprocal", c => Float(c.Input(0), x => x.Reciprocal()));
        t.One("Sin", c => c.Input(0).Sin());
        t.One("Cos", c => c.Input(0).Cos());
        t.One("Tan", c => c.Input(0).Sin() / c.Input(0).Cos());
        t.One("Sinh", c => (c.Input(0).Exp() - c.Input(0).Neg().Exp()) * 0.5);
        t.One("Cosh", c => (c.Input(0).Exp() + c.Input(0).Neg().Exp()) * 0.5);
        t.One("Asinh", c => { var x = c.Input(0); return x.Sign() * (x.Abs() + (x.Square() + 1).Sqrt()).Log(); });
        t.One("Acosh", c => { var x = c.Input(0); return (x + (x.Square() - 1).Sqrt()).Log(); });
        t.One("Atanh", c => { var x = c.Input(0); return (x.Log1p() - x.Neg().Log1p()) * 0.5; });
        t.One("Atan", c => Atan(c.Input(0)));
        t.One("Asin", c => Asin(c.Input(0)));
        t.One("Acos", c => Asin(c.Input(0)).Neg() + Math.PI / 2);
        t.One("Tanh", c => c.Input(0).Tanh());
        t.One("Sigmoid", c => c.Input(0).Sigmoid());
        t.One("Erf", c => c.Input(0).Erf());
        t.One("Floor", c => Floor(c.Input(0)));
        t.One("Ceil", c => Floor(c.Input(0).Neg()).Neg());
        t.One("Round", c => Round(c.Input(0)));
        t.One("Relu", c => c.Input(0).Relu());
        t.One("LeakyRelu", c => Functional.LeakyRelu(c.Input(0), c.Float("alpha", 0.01)));
        t.One("Elu", c => Functional.Elu(c.Input(0), c.Float("alpha", 1.0)));
        t.One("Celu", c => Functional.Celu(c.Input(0), c.Float("alpha", 1.0)));
        t.One("Selu", c =>
        {
            double alpha = c.Float("alpha", 1.67326319217681884765625), gamma = c.Float("gamma", 1.05070102214813232421875);
            var x = c.Input(0);
            return Tensor.Where(x.Gt(0), x, (x.Exp() - 1) * alpha) * gamma;
        });
        t.One("ThresholdedRelu", c => { var x = c.Input(0); return Tensor.Where(x.Gt(c.Float("alpha", 1.0)), x, Zero(x)); });
        t.One("HardSigmoid", c => (c.Input(0) * c.Float("alpha", 0.2) + c.Float("beta", 0.5)).Clamp(0, 1));
        t.One("HardSwish", c => c.Input(0) * (c.Input(0) / 6 + 0.5).Clamp(0, 1));
        t.One("Softplus", c => { var x = c.Input(0); return x.Relu() + x.Abs().Neg().Exp().Log1p(); });
        t.One("Softsign", c => c.Input(0) / (c.Input(0).Abs() + 1));
        t.One("Mish", c => Functional.Mish(c.Input(0)));
        t.One("Gelu", c => Functional.Gelu(c.Input(0), c.String("approximate", "none")));
        t.One("PRelu", c =>
        {
            var x = c.Input(0);
            var slope = c.Input(1);
            // Before opset 7 a 1-D slope of C values applies per channel.
            if (c.Opset < 7 && slope.Rank == 1 && x.Rank > 2 && slope.Numel == x.Shape[1] && slope.Numel != x.Shape[^1])
                slope = slope.Reshape([slope.Numel, .. Enumerable.Repeat(1, x.Rank - 2)]);
            return Tensor.Where(x.Lt(0), x * slope, x);
        });
        t.One("Shrink", c =>
        {
            var x = c.Input(0);
            double lambd = c.Float("lambd", 0.5), bias = c.Float("bias", 0.0);
            var y = Tensor.Where(x.Lt(-lambd), x + bias, Tensor.Where(x.Gt(lambd), x - bias, Zero(x)));
            return y.DType == x.DType ? y : y.To(x.DType);
        });
        t.One("Clip", Clip);
        t.One("Equal", c => Binary(c, (a, b) => a.Eq(b)));
        t.One("Less", c => Binary(c, (a, b) => a.Lt(b)));
        t.One("LessOrEqual", c => Binary(c, (a, b) => a.Le(b)));
        t.One("Greater", c => Binary(c, (a, b) => a.Gt(b)));
        t.One("GreaterOrEqual", c => Binary(c, (a, b) => a.Ge(b)));
        t.One("And", c => Binary(c, (a, b) => a.LogicalAnd(b)));
        t.One("Or", c => Binary(c, (a, b) => a.LogicalOr(b)));
        t.One("Xor", c => Binary(c, (a, b) => a.LogicalXor(b)));
        t.One("Not", c => c.Input(0).LogicalNot());
        t.One("IsNaN", c => c.Input(0).IsNan());
        t.One("IsInf", c =>
        {
            var x = c.Input(0);
            bool pos = c.Int("detect_positive", 1) != 0, neg = c.Int("detect_negative", 1) != 0;
            var inf = x.IsInf();
            if (pos && neg) return inf;
            if (pos) return inf.LogicalAnd(x.Gt(0));
            if (neg) return inf.LogicalAnd(x.Lt(0));
            return x.Ne(x).LogicalAnd(x.Eq(x));
        });
        t.One("Where", c =>
        {
            var (a, b) = SameType(c.Input(1), c.Input(2));
            return Tensor.Where(c.Input(0), a, b);
        });
        t.One("Cast", c =>
        {
            long to = c.Node.Attribute("to") is { Type: global::Onnx.AttributeProto.Types.AttributeType.String } named
                ? (long)Enum.Parse<global::Onnx.TensorProto.Types.DataType>(named.S.ToStringUtf8(), ignoreCase: true)
                : c.Int("to", 0);
            var dtype = OnnxTensors.DTypeOf((int)to)
                ?? throw c.Unsupported($"casting to {OnnxTensors.ElementTypeName((int)to)}");
            return Cast(c.Input(0), dtype, (int)to);
        });
        t.One("CastLike", c => Cast(c.Input(0), c.Input(1).DType, -1));
        t.One("BitShift", c =>
        {
            var x = c.Input(0); var s = c.Input(1).To(DType.Float64);
            var factor = Tensor.Full([], 2.0, DType.Float64).Pow(s);
            var xd = x.To(DType.Float64);
            var y = c.String("direction", "") == "LEFT" ? xd * factor : Floor(xd / factor);
            return y.To(x.DType);
        });
    }

    /// <summary>Casts, narrowing ONNX's small integer types the way a C cast does (wrap-around).</summary>
    internal static Tensor Cast(Tensor x, DType dtype, int onnxType)
    {
        var y = x.DType == dtype ? x : x.To(dtype);
        // ONNX's uint8/int8/int16/uint16 are held in int32: wrap to their range.
        (long Min, long Span)? wrap = onnxType switch
        {
            2 => (0, 256), 3 => (-128, 256), 4 => (0, 65536), 5 => (-32768, 65536), _ => null,
        };
        // float16 and bfloat16 are held in float32: reduce to their precision, float16 to nearest (ties to
        // even), bfloat16 by dropping the low 16 bits (as ONNX's reference conversion does).
        if (onnxType is 10 or 16 && y.DType == DType.Float32)
            y = onnxType == 10 ? RoundToPrecision(y, 10, -14, 65504.0, truncate: false) : RoundToPrecision(y, 7, -126, double.MaxValue, truncate: true);
        if (wrap is { } w && x.DType != DType.Bool)
        {
            var shifted = (y.To(DType.Int64) - w.Min).To(DType.Float64);
            var mod = shifted - Floor(shifted / (double)w.Span) * (double)w.Span;
            y = (mod + w.Min).To(dtype);
        }
        return y;
    }

    /// <summary>Rounds to <paramref name="mantissaBits"/> bits after the leading one (exponents below <paramref name="minExponent"/> round as subnormals); beyond <paramref name="max"/> gives ±∞.</summary>
    private static Tensor RoundToPrecision(Tensor x, int mantissaBits, int minExponent, double max, bool truncate)
    {
        var a = x.Abs();
        var finite = a.Gt(0).LogicalAnd(x.IsFinite());
        var safe = Tensor.Where(finite, a, Tensor.Scalar(1, x.DType)).To(DType.Float64);
        var exponent = Floor(safe.Log() / Math.Log(2)).ClampMin(minExponent);
        var quantum = (exponent - mantissaBits).Pipe2();
        var rounded = (truncate ? Floor(safe / quantum) : Round(safe / quantum)) * quantum;
        var signed = (rounded * x.Sign().To(DType.Float64)).To(x.DType);
        var overflow = rounded.Gt(max);
        var result = Tensor.Where(overflow, x.Sign() * double.PositiveInfinity, signed);
        return Tensor.Where(finite, result, x).Detach();
    }

    private static Tensor Pipe2(this Tensor exponent) => Tensor.Full([], 2.0, DType.Float64).Pow(exponent);

    internal static Tensor Zero(Tensor like) => Tensor.Scalar(0, like.DType);

    /// <summary>Runs a float-only operation on an integer input through float64 and back.</summary>
    private static Tensor Float(Tensor x, Func<Tensor, Tensor> f) =>
        x.DType.IsFloatingPoint() ? f(x) : f(x.To(DType.Float64)).To(x.DType);

    private static (Tensor, Tensor) SameType(Tensor a, Tensor b) =>
        a.DType == b.DType ? (a, b) : (a, b.To(a.DType));

    private static Tensor Binary(OnnxOpContext c, Func<Tensor, Tensor, Tensor> f)
    {
        var (a, b) = SameType(c.Input(0), c.Input(1));
        return f(a, LegacyBroadcast(c, a, b));
    }

    /// <summary>Before opset 7, B broadcasts to A only with broadcast=1, aligned at <c>axis</c> (suffix-aligned without it).</summary>
    internal static Tensor LegacyBroadcast(OnnxOpContext c, Tensor a, Tensor b)
    {
        if (c.Opset >= 7 || c.Int("broadcast", 0) == 0 || c.IntOrNull("axis") is not { } axisAttr) return b;
        int axis = (int)(axisAttr < 0 ? axisAttr + a.Rank : axisAttr);
        int trailing = a.Rank - axis - b.Rank;
        if (trailing <= 0) return b;
        return b.Reshape([.. b.Shape.ToArray(), .. Enumerable.Repeat(1, trailing)]);
    }

    private static Tensor Variadic(OnnxOpContext c, Func<Tensor, Tensor, Tensor> f)
    {
        var acc = c.Input(0);
        for (int i = 1; i < c.InputCount; i++)
        {
            var (a, b) = SameType(acc, c.Input(i));
            acc = f(a, b);
        }
        return acc;
    }

    private static Tensor Div(Tensor a, Tensor b)
    {
        if (a.DType.IsFloatingPoint()) return a.Div(b);
        // ONNX integer division truncates toward zero.
        return (a.To(DType.Float64) / b.To(DType.Float64)).To(a.DType);
    }

    private static Tensor Pow(OnnxOpContext c)
    {
        var x = c.Input(0);
        var y = LegacyBroadcast(c, x, c.Input(1));
        if (x.DType.IsFloatingPoint()) return x.Pow(y.DType == x.DType ? y : y.To(x.DType));
        return x.To(DType.Float64).Pow(y.To(DType.Float64)).To(x.DType);
    }

    private static Tensor Mod(OnnxOpContext c)
    {
        var (a, b) = SameType(c.Input(0), c.Input(1));
        var dtype = a.DType;
        var ad = a.To(DType.Float64);
        var bd = b.To(DType.Float64);
        var q = ad / bd;
        var whole = c.Int("fmod", 0) != 0 ? Trunc(q) : Floor(q);
        var r = ad - whole * bd;
        if (!dtype.IsFloatingPoint()) return r.To(dtype);
        return r.To(dtype);
    }

    private static Tensor Trunc(Tensor x) => Tensor.Where(x.Lt(0), Floor(x.Neg()).Neg(), Floor(x));

    /// <summary>floor through an int64 cast, keeping values already integral (|x| ≥ 2⁵², ±∞, NaN).</summary>
    internal static Tensor Floor(Tensor x)
    {
        if (!x.DType.IsFloatingPoint()) return x;
        var t = x.To(DType.Int64).To(x.DType);
        var f = t - t.Gt(x).To(x.DType);
        var keep = x.Abs().Ge(4503599627370496.0).LogicalOr(x.IsNan());
        return Tensor.Where(keep, x, f).Detach();
    }

    /// <summary>Rounds half to even (numpy's <c>round</c>, ONNX's Round).</summary>
    internal static Tensor Round(Tensor x)
    {
        if (!x.DType.IsFloatingPoint()) return x;
        var f = Floor(x);
        var d = x - f;
        var odd = (f - Floor(f / 2) * 2).Ne(0);
        var up = d.Gt(0.5).LogicalOr(d.Eq(0.5).LogicalAnd(odd));
        return Tensor.Where(up, f + 1, f).Detach();
    }

    private static Tensor Atan(Tensor x)
    {
        var a = x.Abs();
        var inv = a.Gt(1);
        var z = Tensor.Where(inv, Tensor.Where(inv, a, Tensor.Scalar(1, a.DType)).Reciprocal(), a);
        // Two half-angle reductions bring z under tan(π/16); the odd series then converges fast.
        for (int i = 0; i < 2; i++) z = z / ((z.Square() + 1).Sqrt() + 1);
        var z2 = z.Square();
        var sum = z * 0;
        var power = z;
        for (int k = 0; k < 12; k++)
        {
            sum = sum + power * ((k % 2 == 0 ? 1.0 : -1.0) / (2 * k + 1));
            power = power * z2;
        }
        var r = sum * 4;
        r = Tensor.Where(inv, r.Neg() + Math.PI / 2, r);
        return x.Sign() * r;
    }

    private static Tensor Asin(Tensor x)
    {
        var denom = (1 - x.Square()).ClampMin(0).Sqrt();
        var edge = denom.Eq(0);
        var ratio = x / Tensor.Where(edge, Tensor.Scalar(1, x.DType), denom);
        return Tensor.Where(edge, x.Sign() * (Math.PI / 2), Atan(ratio));
    }

    private static Tensor Clip(OnnxOpContext c)
    {
        var x = c.Input(0);
        if (c.Opset < 11)
        {
            double lo = c.Float("min", double.NegativeInfinity), hi = c.Float("max", double.PositiveInfinity);
            return x.Clamp(double.IsNegativeInfinity(lo) ? null : lo, double.IsPositiveInfinity(hi) ? null : hi);
        }
        var min = c.OptionalInput(1);
        var max = c.OptionalInput(2);
        if (min is null && max is null) return x;
        if (!x.DType.IsFloatingPoint())
        {
            var y = x;
            if (min is not null) y = y.Maximum(min.To(x.DType));
            if (max is not null) y = y.Minimum(max.To(x.DType));
            return y;
        }
        return x.Clamp(min?.To(x.DType), max?.To(x.DType));
    }
}
