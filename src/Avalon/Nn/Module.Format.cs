using System.Globalization;
using System.Text;

namespace Avalon.Nn;

public abstract partial class Module
{
    /// <summary>
    /// The module's settings as they print inside its parentheses, e.g.
    /// <c>in_features=800, out_features=500, bias=True</c> (PyTorch's <c>extra_repr</c>). Empty by default.
    /// </summary>
    public virtual string ExtraRepr() => string.Empty;

    /// <summary>The name printed for this module: the class name without generic arity.</summary>
    protected virtual string TypeName
    {
        get
        {
            string name = GetType().Name;
            int tick = name.IndexOf('`');
            return tick < 0 ? name : name[..tick];
        }
    }

    /// <summary>
    /// The PyTorch-style tree of this module: <c>Linear(in_features=800, out_features=500, bias=True)</c>
    /// for a leaf, and for a container one indented line <c>(name): child</c> per submodule.
    /// </summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        var lines = new List<string>();
        if (extra.Length > 0) lines.AddRange(extra.Split('\n'));
        int children = 0;
        foreach (var e in LocalEntries())
        {
            if (e.Kind != ModuleMemberKind.Child) continue;
            lines.Add($"({e.Name}): {Indent(e.Value.ToString() ?? "", 2)}");
            children++;
        }
        var sb = new StringBuilder(TypeName).Append('(');
        if (lines.Count == 1 && children == 0) sb.Append(lines[0]);
        else if (lines.Count > 0)
        {
            sb.Append('\n');
            foreach (var line in lines) sb.Append("  ").Append(line).Append('\n');
        }
        return sb.Append(')').ToString();
    }

    private static string Indent(string text, int spaces)
    {
        var parts = text.Split('\n');
        if (parts.Length == 1) return text;
        var pad = new string(' ', spaces);
        var sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.Length; i++) sb.Append('\n').Append(pad).Append(parts[i]);
        return sb.ToString();
    }

    /// <summary>
    /// A table of every parameter (path, owning layer type, shape, element count, trainable or frozen)
    /// followed by the totals, for a quick look at a model's size.
    /// </summary>
    public string Summary()
    {
        var inv = CultureInfo.InvariantCulture;
        var owners = new Dictionary<string, string>();
        foreach (var (path, m) in NamedModules()) owners[path] = m.TypeName;
        var rows = new List<string[]> { new[] { "Parameter", "Layer", "Shape", "Count", "Trainable" } };
        long total = 0, trainable = 0;
        foreach (var (path, p) in NamedParameters())
        {
            int dot = path.LastIndexOf('.');
            string owner = dot < 0 ? "" : path[..dot];
            rows.Add([path, owners.TryGetValue(owner, out var t) ? t : "", p.Shape.ToString(), p.Numel.ToString("N0", inv), p.RequiresGrad ? "yes" : "no"]);
            total += p.Numel;
            if (p.RequiresGrad) trainable += p.Numel;
        }
        var widths = new int[5];
        foreach (var r in rows)
            for (int c = 0; c < 5; c++) widths[c] = Math.Max(widths[c], r[c].Length);
        var sb = new StringBuilder();
        sb.Append(TypeName).Append(" summary\n");
        int ruleWidth = widths.Sum() + 2 * 4;
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            sb.Append(r[0].PadRight(widths[0])).Append("  ").Append(r[1].PadRight(widths[1])).Append("  ")
              .Append(r[2].PadRight(widths[2])).Append("  ").Append(r[3].PadLeft(widths[3])).Append("  ")
              .Append(r[4].PadRight(widths[4]).TrimEnd()).Append('\n');
            if (i == 0) sb.Append(new string('-', ruleWidth)).Append('\n');
        }
        sb.Append(new string('-', ruleWidth)).Append('\n');
        sb.Append("Total parameters: ").Append(total.ToString("N0", inv)).Append('\n');
        sb.Append("Trainable parameters: ").Append(trainable.ToString("N0", inv)).Append('\n');
        sb.Append("Non-trainable parameters: ").Append((total - trainable).ToString("N0", inv)).Append('\n');
        return sb.ToString();
    }
}
