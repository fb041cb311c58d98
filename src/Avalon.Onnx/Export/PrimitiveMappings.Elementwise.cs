namespace Avalon.Onnx.Export;

internal static partial class PrimitiveMappings
{
    private static void AddElementwise(Dictionary<string, Action<ExportCall>> t)
    {
        foreach (var (name, op) in new[]
        {
            ("abs", "Abs"), ("cos", "Cos"), ("sin", "Sin"), ("exp", "Exp"), ("log", "Log"), ("neg", "Neg"),
            ("reciprocal", "Reciprocal"), ("relu", "Relu"), ("sigmoid", "Sigmoid"), ("sign", "Sign"),
            ("sqrt", "Sqrt"), ("tanh", "Tanh"), ("erf", "Erf"),
        })
            t[name] = c => c.Emit(op, [c.InAs(0, c.OutSpec().DType)]);
        t["square"] = c => { var x = c.InAs(0, c.OutSpec().DType); c.Emit("Mul", [x, x]); };
        t["rsqrt"] = c => c.Emit("Reciprocal", [c.Writer.Op("Sqrt", c.InAs(0, c.OutSpec().DType))]);
        t["log1p"] = Log1p;
        t["expm1"] = Expm1;
        foreach (var name in new[] { "contiguous", "detach", "to_device", "dropout" })
            t[name] = c => c.EmitIdentity(c.In(0));
        t["convert"] = c => c.EmitIdentity(c.InAs(0, c.OutSpec().DType));
        t["isnan"] = c => c.Emit("IsNaN", [c.In(0)]);
        t["isinf"] = c => c.Emit("IsInf", [c.In(0)]);
        t["isfinite"] = c => c.Emit("Not", [c.Writer.Op("Or", c.Writer.Op("IsNaN", c.In(0)), c.Writer.Op("IsInf", c.In(0)))]);
        t["logical_not"] = c => c.Emit("Not", [c.InAs(0, DType.Bool)]);
        t["pow_scalar"] = c => c.Emit("Pow", [c.InAs(0, c.OutSpec().DType), c.Writer.Scalar(c.Double("exponent"), c.OutSpec().DType)]);
        t["clamp"] = Clamp;
        t["clamp_"] = Clamp;

        foreach (var (name, op) in new[]
        {
            ("add", "Add"), ("sub", "Sub"), ("mul", "Mul"), ("div", "Div"), ("pow", "Pow"), ("maximum", "Max"), ("minimum", "Min"),
            ("add_", "Add"), ("sub_", "Sub"), ("mul_", "Mul"), ("div_", "Div"),
        })
            t[name] = c => { var d = c.OutSpec().DType; c.Emit(op, [c.InAs(0, d), c.InAs(1, d)]); };
        foreach (var (name, op) in new[]
        {
            ("eq", "Equal"), ("lt", "Less"), ("le", "LessOrEqual"), ("gt", "Greater"), ("ge", "GreaterOrEqual"),
        })
            t[name] = c => { var d = Common(c.InSpec(0).DType, c.InSpec(1).DType); c.Emit(op, [c.InAs(0, d), c.InAs(1, d)]); };
        t["ne"] = c =>
        {
            var d = Common(c.InSpec(0).DType, c.InSpec(1).DType);
            c.Emit("Not", [c.Writer.Op("Equal", c.InAs(0, d), c.InAs(1, d))]);
        };
        foreach (var (name, op) in new[] { ("logical_and", "And"), ("logical_or", "Or"), ("logical_xor", "Xor") })
            t[name] = c => c.Emit(op, [c.InAs(0, DType.Bool), c.InAs(1, DType.Bool)]);
        t["equal_mask"] = c => c.EmitIdentity(c.Cast(c.Writer.Op("Equal", c.In(0), c.In(1)), DType.Bool, c.OutSpec().DType));
        t["where"] = c =>
        {
            var d = c.OutSpec().DType;
            c.Emit("Where", [c.InAs(0, DType.Bool), c.InAs(1, d), c.InAs(2, d)]);
        };
        t["masked_fill_"] = c =>
        {
            var d = c.OutSpec().DType;
            c.Emit("Where", [c.InAs(1, DType.Bool), c.InAs(2, d), c.In(0)]);
        };
        t["copy_"] = c => c.Emit("Expand", [c.InAs(1, c.OutSpec().DType), c.OutShapeValue()]);
    }

    /// <summary>The dtype two operands of a comparison are compared in.</summary>
    private static DType Common(DType a, DType b)
    {
        static int Rank(DType d) => d switch { DType.Bool => 0, DType.Int32 => 1, DType.Int64 => 2, DType.Float32 => 3, _ => 4 };
        return Rank(a) >= Rank(b) ? a : b;
    }

    private static void Clamp(ExportCall c)
    {
        var d = c.OutSpec().DType;
        string min = c.HasValue("min") ? c.Writer.Scalar(c.Double("min"), d) : "";
        string max = c.HasValue("max") ? c.Writer.Scalar(c.Double("max"), d) : "";
        c.Emit("Clip", [c.InAs(0, d), min, max]);
    }

    /// <summary>log1p(x) = x · log(u) / (u − 1) with u = 1 + x (exact where u rounds to 1: x), accurate for small x.</summary>
    private static void Log1p(ExportCall c)
    {
        var w = c.Writer;
        var d = c.OutSpec().DType;
        string x = c.InAs(0, d);
        string u = w.Op("Add", x, w.Scalar(1, d));
        string um1 = w.Op("Sub", u, w.Scalar(1, d));
        string general = w.Op("Div", w.Op("Mul", x, w.Op("Log", u)), um1);
        // Where u is infinite the quotient is inf/inf: log(u) is the answer there.
        string safe = w.Op("Where", w.Op("IsInf", u), w.Op("Log", u), general);
        c.Emit("Where", [w.Op("Equal", um1, w.Scalar(0, d)), x, safe]);
    }

    /// <summary>expm1(x) = (u − 1) · x / log(u) with u = eˣ (x where u rounds to 1, u − 1 where it overflows or vanishes).</summary>
    private static void Expm1(ExportCall c)
    {
        var w = c.Writer;
        var d = c.OutSpec().DType;
        string x = c.InAs(0, d);
        string u = w.Op("Exp", x);
        string um1 = w.Op("Sub", u, w.Scalar(1, d));
        string general = w.Op("Div", w.Op("Mul", um1, x), w.Op("Log", u));
        string edge = w.Op("Or", w.Op("IsInf", u), w.Op("Equal", u, w.Scalar(0, d)));
        string safe = w.Op("Where", edge, um1, general);
        c.Emit("Where", [w.Op("Equal", u, w.Scalar(1, d)), x, safe]);
    }
}
