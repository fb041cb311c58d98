using System.Text;

namespace Avalon.Nn;

/// <summary>
/// A state dict does not fit a module: keys are missing or unexpected, or tensors have other shapes or
/// dtypes. The message lists every problem at once, in PyTorch's words.
/// </summary>
public sealed class StateDictMismatchException : ArgumentException
{
    /// <summary>Creates the exception and its message.</summary>
    public StateDictMismatchException(string moduleName, IReadOnlyList<string> missingKeys,
        IReadOnlyList<string> unexpectedKeys, IReadOnlyList<string> mismatches)
        : base(Format(moduleName, missingKeys, unexpectedKeys, mismatches))
    {
        ModuleName = moduleName;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        Mismatches = mismatches;
    }

    /// <summary>The type name of the module being loaded.</summary>
    public string ModuleName { get; }

    /// <summary>Keys the module has and the state dict lacks (reported only when strict).</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys the state dict has and the module lacks (reported only when strict).</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>One line per tensor whose shape, dtype or device differs, naming both sides.</summary>
    public IReadOnlyList<string> Mismatches { get; }

    private static string Format(string moduleName, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatches)
    {
        var sb = new StringBuilder($"Error(s) in loading state_dict for {moduleName}:");
        if (missing.Count > 0)
            sb.Append("\n\tMissing key(s) in state_dict: ").Append(string.Join(", ", missing.Select(k => "\"" + k + "\""))).Append('.');
        if (unexpected.Count > 0)
            sb.Append("\n\tUnexpected key(s) in state_dict: ").Append(string.Join(", ", unexpected.Select(k => "\"" + k + "\""))).Append('.');
        foreach (var m in mismatches) sb.Append("\n\t").Append(m);
        return sb.ToString();
    }
}
