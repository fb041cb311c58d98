using System.Text;

namespace Avalon.Onnx;

/// <summary>
/// Maps ONNX initialiser names to state-dict keys. A name made of letters, digits, '_' and non-empty
/// dot-separated parts (<c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>) is kept as it is; otherwise
/// every other character becomes '_' and an empty part becomes '_' (<c>onnx::Conv_12</c> → <c>onnx__Conv_12</c>,
/// <c>/fc/MatMul</c> → <c>_fc_MatMul</c>). When two names map to the same key, the later ones (in the file's
/// initialiser order) get <c>_1</c>, <c>_2</c>, ... appended, so the mapping is deterministic.
/// </summary>
public static class OnnxStateKeys
{
    /// <summary>The key for one name, before collisions are resolved.</summary>
    public static string Sanitize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('.');
        var sb = new StringBuilder(name.Length);
        for (int p = 0; p < parts.Length; p++)
        {
            if (p > 0) sb.Append('.');
            if (parts[p].Length == 0)
            {
                sb.Append('_');
                continue;
            }
            foreach (char ch in parts[p]) sb.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' ? ch : '_');
        }
        return sb.ToString();
    }

    /// <summary>The keys for <paramref name="names"/>, in order, made unique as described on the class.</summary>
    public static string[] Assign(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var keys = new string[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            string key = Sanitize(names[i]);
            if (!used.Add(key))
            {
                int n = 1;
                while (!used.Add(key + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))) n++;
                key = key + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            keys[i] = key;
        }
        return keys;
    }
}
