using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Onnx;

namespace Avalon.Onnx;

/// <summary>The outcome of one conformance case.</summary>
public enum OnnxCaseStatus
{
    /// <summary>Every output of every data set matched within tolerance.</summary>
    Passed,

    /// <summary>An output differed, or the model raised an error other than an unsupported feature.</summary>
    Failed,

    /// <summary>The case uses an unsupported operator, element type or value type (named in the detail).</summary>
    Skipped,
}

/// <summary>One case's result: its folder name, the suite (parent folder), its family and category, status and detail.</summary>
/// <param name="Case">The case folder's name, e.g. <c>test_abs</c>.</param>
/// <param name="Suite">The parent folder's name, e.g. <c>node</c> or <c>pytorch-converted</c>.</param>
/// <param name="Family">The operator the case tests (the op type of its node, or the one its name starts with).</param>
/// <param name="Category"><c>core</c>, or one of <c>training</c>, <c>sequence</c>, <c>string</c>, <c>quantisation</c>, <c>optional</c>.</param>
/// <param name="Status">Passed, failed or skipped.</param>
/// <param name="Detail">Why it failed or was skipped; empty when it passed.</param>
public sealed record OnnxCaseResult(string Case, string Suite, string Family, string Category, OnnxCaseStatus Status, string Detail);

/// <summary>
/// Runs folders in the layout of ONNX's backend test data (<c>model.onnx</c> and <c>test_data_set_N/input_i.pb</c>,
/// <c>output_i.pb</c>) through <see cref="OnnxModule"/> and compares the outputs with ONNX's tolerance,
/// |actual − expected| ≤ atol + rtol·|expected| (rtol 1e-3, atol 1e-7; NaNs must match NaNs).
/// </summary>
public static class OnnxConformance
{
    /// <summary>ONNX's runner's relative tolerance.</summary>
    public const double RelativeTolerance = 1e-3;

    /// <summary>ONNX's runner's absolute tolerance.</summary>
    public const double AbsoluteTolerance = 1e-7;

    private static readonly HashSet<string> s_quantisation = new(StringComparer.Ordinal)
    {
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger",
    };

    private static readonly HashSet<string> s_string = new(StringComparer.Ordinal)
    {
        "StringNormalizer", "TfIdfVectorizer", "RegexFullMatch", "StringConcat", "StringSplit",
    };

    /// <summary>
    /// The case folders under each of <paramref name="directories"/>: a folder holding <c>model.onnx</c> (or
    /// a <c>data.json</c> descriptor) is a case, otherwise each of its subfolders is looked at, sorted by name.
    /// </summary>
    public static IReadOnlyList<string> FindCases(IEnumerable<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        var result = new List<string>();
        foreach (var dir in directories)
        {
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"onnx test: folder '{dir}' not found.");
            Collect(Path.GetFullPath(dir), result, depth: 0);
        }
        return result;
    }

    private static void Collect(string dir, List<string> into, int depth)
    {
        if (File.Exists(Path.Combine(dir, "model.onnx")) || File.Exists(Path.Combine(dir, "data.json")))
        {
            into.Add(dir);
            return;
        }
        if (depth >= 3) return;
        foreach (var sub in Directory.GetDirectories(dir).Order(StringComparer.Ordinal)) Collect(sub, into, depth + 1);
    }

    /// <summary>Runs every case under <paramref name="directories"/>, calling <paramref name="onResult"/> after each.</summary>
    public static IReadOnlyList<OnnxCaseResult> Run(IEnumerable<string> directories, Action<OnnxCaseResult>? onResult = null)
    {
        var results = new List<OnnxCaseResult>();
        foreach (var dir in FindCases(directories))
        {
            var r = RunCase(dir);
            results.Add(r);
            onResult?.Invoke(r);
        }
        return results;
    }

    /// <summary>Runs one case folder.</summary>
    public static OnnxCaseResult RunCase(string caseDirectory)
    {
        ArgumentNullException.ThrowIfNull(caseDirectory);
        var dir = Path.GetFullPath(caseDirectory);
        string name = Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar));
        string suite = Path.GetFileName(Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar)) ?? "") ?? "";
        var modelPath = Path.Combine(dir, "model.onnx");
        if (!File.Exists(modelPath))
            return new(name, suite, "(model)", "core", OnnxCaseStatus.Skipped, "no model.onnx in the folder (the model is downloaded separately)");
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath)); }
        catch (InvalidProtocolBufferException e) { return new(name, suite, "(model)", "core", OnnxCaseStatus.Failed, "model.onnx is not a valid model: " + e.Message); }
        string family = FamilyOf(name, model.Graph);
        string category = CategoryOf(name, model);
        var (status, detail) = Execute(dir, model, modelPath);
        return new(name, suite, family, category, status, detail);
    }

    private static (OnnxCaseStatus, string) Execute(string dir, ModelProto model, string modelPath)
    {
        foreach (var vi in model.Graph.Input.Concat(model.Graph.Output))
        {
            var kind = vi.Type?.ValueCase ?? TypeProto.ValueOneofCase.None;
            if (kind is TypeProto.ValueOneofCase.SequenceType or TypeProto.ValueOneofCase.OptionalType or TypeProto.ValueOneofCase.MapType)
                return (OnnxCaseStatus.Skipped, $"value '{vi.Name}' has {kind} type, which the importer does not support");
            if (kind == TypeProto.ValueOneofCase.TensorType && OnnxTensors.DTypeOf(vi.Type!.TensorType.ElemType) is null)
                return (OnnxCaseStatus.Skipped, $"value '{vi.Name}' has element type {OnnxTensors.ElementTypeName(vi.Type.TensorType.ElemType)}, which Avalon does not support");
        }
        OnnxModule module;
        try { module = OnnxModule.Load(modelPath); }
        catch (UnsupportedOnnxOperatorException e) { return (OnnxCaseStatus.Skipped, e.Message); }
        catch (NotSupportedException e) { return (OnnxCaseStatus.Skipped, e.Message); }
        catch (Exception e) { return (OnnxCaseStatus.Failed, "load: " + e.GetType().Name + ": " + e.Message); }
        module.Eval();
        var sets = Directory.GetDirectories(dir, "test_data_set_*").Order(StringComparer.Ordinal).ToArray();
        if (sets.Length == 0) return (OnnxCaseStatus.Skipped, "no test_data_set_N folder");
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToList();
        foreach (var set in sets)
        {
            var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var inputFiles = Directory.GetFiles(set, "input_*.pb").OrderBy(IndexOf).ToArray();
            var feedable = module.InputNames;
            for (int i = 0; i < inputFiles.Length; i++)
            {
                TensorProto proto;
                try { proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(inputFiles[i])); }
                catch (InvalidProtocolBufferException) { return (OnnxCaseStatus.Skipped, $"{Path.GetFileName(inputFiles[i])} is not a plain tensor (sequence or optional value)"); }
                string key = proto.Name.Length > 0 && graphInputs.Contains(proto.Name) ? proto.Name
                    : i < feedable.Count ? feedable[i] : i < graphInputs.Count ? graphInputs[i] : $"input_{i}";
                FixHalfBits(proto, model.Graph.Input.FirstOrDefault(v => v.Name == key));
                try { inputs[key] = OnnxTensors.ToTensor(proto, set); }
                catch (NotSupportedException e) { return (OnnxCaseStatus.Skipped, e.Message); }
            }
            IReadOnlyDictionary<string, Tensor> outputs;
            try
            {
                using (new Avalon.Autodiff.NoGrad()) outputs = module.Run(inputs);
            }
            catch (UnsupportedOnnxOperatorException e) { return (OnnxCaseStatus.Skipped, e.Message); }
            catch (Exception e) { return (OnnxCaseStatus.Failed, $"{Path.GetFileName(set)}: {e.GetType().Name}: {e.Message}"); }
            var outputFiles = Directory.GetFiles(set, "output_*.pb").OrderBy(IndexOf).ToArray();
            for (int i = 0; i < outputFiles.Length; i++)
            {
                TensorProto proto;
                try { proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(outputFiles[i])); }
                catch (InvalidProtocolBufferException) { return (OnnxCaseStatus.Skipped, $"{Path.GetFileName(outputFiles[i])} is not a plain tensor"); }
                Tensor expected;
                FixHalfBits(proto, i < model.Graph.Output.Count ? model.Graph.Output[i] : null);
                try { expected = OnnxTensors.ToTensor(proto, set); }
                catch (NotSupportedException e) { return (OnnxCaseStatus.Skipped, e.Message); }
                string outName = proto.Name.Length > 0 && outputs.ContainsKey(proto.Name) ? proto.Name : module.OutputNames[i];
                var mismatch = Compare(outputs[outName], expected);
                if (mismatch is not null) return (OnnxCaseStatus.Failed, $"{Path.GetFileName(set)}: output '{outName}': {mismatch}");
            }
        }
        return (OnnxCaseStatus.Passed, "");
    }

    /// <summary>ONNX's test data stores bfloat16 (and some float16) tensors as their uint16 bit patterns: read them as the graph's type.</summary>
    private static void FixHalfBits(TensorProto proto, ValueInfoProto? declared)
    {
        int expected = declared?.Type?.TensorType?.ElemType ?? 0;
        if (proto.DataType == (int)TensorProto.Types.DataType.Uint16
            && expected is (int)TensorProto.Types.DataType.Bfloat16 or (int)TensorProto.Types.DataType.Float16)
            proto.DataType = expected;
    }

    private static int IndexOf(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        return int.TryParse(stem[(stem.IndexOf('_') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue;
    }

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/> within tolerance, else what differs.</summary>
    public static string? Compare(Tensor actual, Tensor expected)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        if (!actual.Shape.Equals(expected.Shape))
            return $"shape {actual.Shape}, expected {expected.Shape}";
        if (actual.Numel == 0) return null;
        var a = actual.DType == DType.Bool ? actual.To(DType.Int32).ToDoubleArray() : actual.ToDoubleArray();
        var e = expected.DType == DType.Bool ? expected.To(DType.Int32).ToDoubleArray() : expected.ToDoubleArray();
        int bad = 0, first = -1;
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool ok = double.IsNaN(e[i]) ? double.IsNaN(a[i])
                : double.IsInfinity(e[i]) ? a[i] == e[i]
                : Math.Abs(a[i] - e[i]) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(e[i]);
            if (ok) continue;
            bad++;
            if (first < 0) first = i;
            if (!double.IsNaN(a[i])) worst = Math.Max(worst, Math.Abs(a[i] - e[i]));
        }
        if (bad == 0) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{bad} of {a.Length} elements differ (first at {first}: {a[first]:G6}, expected {e[first]:G6}; largest difference {worst:G4})");
    }

    /// <summary>The family a case belongs to: the op type of a one-node graph, or the op type its name starts with.</summary>
    private static string FamilyOf(string caseName, GraphProto graph)
    {
        var ops = graph.Node.Select(n => n.OpType).Distinct().ToList();
        if (ops.Count == 1) return ops[0];
        string stem = caseName.StartsWith("test_", StringComparison.Ordinal) ? caseName[5..] : caseName;
        if (stem.StartsWith("sce_", StringComparison.Ordinal)) return "SoftmaxCrossEntropyLoss";
        if (stem.StartsWith("nllloss", StringComparison.Ordinal)) return "NegativeLogLikelihoodLoss";
        string best = "";
        foreach (var op in ops.Concat(Ops.OnnxOperators.Supported))
        {
            var snake = SnakeCase(op);
            if ((stem.StartsWith(snake, StringComparison.Ordinal) || stem.StartsWith(op.ToLowerInvariant(), StringComparison.Ordinal)) && snake.Length > best.Length) best = op;
        }
        return best.Length > 0 ? best : ops.Count > 0 ? "(graph)" : "(empty)";
    }

    private static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && char.IsLower(name[i - 1])) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }

    /// <summary>The category used for the pass-rate goals: core, or training/sequence/string/quantisation/optional.</summary>
    private static string CategoryOf(string caseName, ModelProto model)
    {
        var nodes = AllNodes(model.Graph).ToList();
        if (caseName.StartsWith("test_training_", StringComparison.Ordinal) || nodes.Any(n => n.Domain.StartsWith("ai.onnx.preview.training", StringComparison.Ordinal))
            || caseName.StartsWith("test_gradient_", StringComparison.Ordinal))
            return "training";
        var values = model.Graph.Input.Concat(model.Graph.Output).Select(v => v.Type?.ValueCase ?? TypeProto.ValueOneofCase.None).ToList();
        if (nodes.Any(n => n.OpType.Contains("Sequence", StringComparison.Ordinal)) || values.Contains(TypeProto.ValueOneofCase.SequenceType))
            return "sequence";
        if (nodes.Any(n => n.OpType.StartsWith("Optional", StringComparison.Ordinal)) || values.Contains(TypeProto.ValueOneofCase.OptionalType))
            return "optional";
        bool stringIo = model.Graph.Input.Concat(model.Graph.Output).Any(v => v.Type?.TensorType is { ElemType: 8 });
        if (stringIo || nodes.Any(n => s_string.Contains(n.OpType)) || caseName.Contains("string", StringComparison.Ordinal) || caseName.Contains("strnorm", StringComparison.Ordinal))
            return "string";
        if (nodes.Any(n => s_quantisation.Contains(n.OpType))) return "quantisation";
        return "core";
    }

    private static IEnumerable<NodeProto> AllNodes(GraphProto g)
    {
        foreach (var n in g.Node)
        {
            yield return n;
            foreach (var a in n.Attribute)
            {
                if (a.G is { } sub) foreach (var m in AllNodes(sub)) yield return m;
                foreach (var sg in a.Graphs) foreach (var m in AllNodes(sg)) yield return m;
            }
        }
    }

    /// <summary>One line per case: <c>passed  node/test_abs</c>, with the detail after failures and skips.</summary>
    public static string FormatLine(OnnxCaseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string status = result.Status.ToString().ToLowerInvariant();
        return result.Detail.Length == 0 ? $"{status,-7} {result.Suite}/{result.Case}" : $"{status,-7} {result.Suite}/{result.Case}: {result.Detail}";
    }

    /// <summary>One JSON object: <c>{"case": "test_abs", "status": "passed", "detail": ""}</c> (plus suite, family and category).</summary>
    public static string FormatJson(OnnxCaseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("case", result.Case);
            w.WriteString("status", result.Status.ToString().ToLowerInvariant());
            w.WriteString("detail", result.Detail);
            w.WriteString("suite", result.Suite);
            w.WriteString("family", result.Family);
            w.WriteString("category", result.Category);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The closing line: <c>N passed, M failed, K skipped</c>.</summary>
    public static string Summary(IReadOnlyCollection<OnnxCaseResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return $"{results.Count(r => r.Status == OnnxCaseStatus.Passed)} passed, {results.Count(r => r.Status == OnnxCaseStatus.Failed)} failed, {results.Count(r => r.Status == OnnxCaseStatus.Skipped)} skipped";
    }

    /// <summary>The pass rate of the cases that count for a goal: passed / all (skipped ones count as not passed).</summary>
    public static double PassRate(IEnumerable<OnnxCaseResult> results)
    {
        var list = results.ToList();
        return list.Count == 0 ? 1 : (double)list.Count(r => r.Status == OnnxCaseStatus.Passed) / list.Count;
    }

    /// <summary>The Markdown pass table: one row per suite and category, then one row per node family.</summary>
    public static string PassTable(IReadOnlyCollection<OnnxCaseResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sb = new StringBuilder();
        sb.AppendLine("# ONNX conformance");
        sb.AppendLine();
        sb.AppendLine("Generated by `avalon onnx test --table docs/onnx-conformance.md` over ONNX 1.12's backend test data (Debian's `libonnx-testdata`),");
        sb.AppendLine("or by `tests/Avalon.Onnx.Tests` with `AVALON_UPDATE_DOCS=1`. Tolerance: rtol 1e-3, atol 1e-7. Skipped cases use an");
        sb.AppendLine("operator, element type or value type the importer does not support; they count as not passed in the rates.");
        sb.AppendLine();
        sb.AppendLine("## By suite and category");
        sb.AppendLine();
        sb.AppendLine("| suite | category | cases | passed | failed | skipped | pass rate |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var g in results.GroupBy(r => (r.Suite, r.Category)).OrderBy(g => g.Key.Suite, StringComparer.Ordinal).ThenBy(g => g.Key.Category == "core" ? "" : g.Key.Category, StringComparer.Ordinal))
            Row(sb, $"{g.Key.Suite} | {g.Key.Category}", g.ToList());
        sb.AppendLine();
        sb.AppendLine("## Node cases by family");
        sb.AppendLine();
        sb.AppendLine("| family | category | cases | passed | failed | skipped | pass rate |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var g in results.Where(r => r.Suite == "node").GroupBy(r => (r.Family, r.Category)).OrderBy(g => g.Key.Family, StringComparer.Ordinal).ThenBy(g => g.Key.Category, StringComparer.Ordinal))
            Row(sb, $"{g.Key.Family} | {g.Key.Category}", g.ToList());
        var notPassed = results.Where(r => r.Status != OnnxCaseStatus.Passed && r.Category == "core").ToList();
        if (notPassed.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Core cases not passed");
            sb.AppendLine();
            foreach (var r in notPassed.OrderBy(r => r.Suite, StringComparer.Ordinal).ThenBy(r => r.Case, StringComparer.Ordinal))
            {
                string detail = r.Detail.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
                if (detail.Length > 200) detail = detail[..200] + "…";
                sb.AppendLine($"- `{r.Suite}/{r.Case}` ({r.Status.ToString().ToLowerInvariant()}): {detail}");
            }
        }
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string label, List<OnnxCaseResult> rows)
    {
        int p = rows.Count(r => r.Status == OnnxCaseStatus.Passed), f = rows.Count(r => r.Status == OnnxCaseStatus.Failed), s = rows.Count(r => r.Status == OnnxCaseStatus.Skipped);
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {rows.Count} | {p} | {f} | {s} | {100.0 * p / rows.Count:F1} % |"));
    }
}
