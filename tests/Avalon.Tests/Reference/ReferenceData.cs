using System.Collections.Concurrent;
using System.Text.Json;

namespace Avalon.Tests.Reference;

/// <summary>
/// One family file of PyTorch reference values (Data/Reference/&lt;family&gt;.json, written by
/// tests/reference/generate_references.py; the format is in tests/reference/README.md).
/// </summary>
internal sealed class ReferenceData
{
    /// <summary>The format version this reader understands.</summary>
    public const int SupportedFormatVersion = 1;

    /// <summary>Every family the generator writes.</summary>
    public static readonly IReadOnlyList<string> Families =
        ["layers", "activations", "losses", "init", "optimizers", "schedules", "attention", "recurrent"];

    private static readonly ConcurrentDictionary<string, ReferenceData> s_cache = new();

    private readonly Dictionary<string, ReferenceCase> _byName;

    private ReferenceData(string family, int formatVersion, string torchVersion, List<ReferenceCase> cases)
    {
        Family = family;
        FormatVersion = formatVersion;
        TorchVersion = torchVersion;
        Cases = cases;
        _byName = new Dictionary<string, ReferenceCase>(cases.Count);
        foreach (ReferenceCase c in cases)
        {
            if (!_byName.TryAdd(c.Name, c))
            {
                throw new InvalidDataException($"reference data {family}: duplicate case name '{c.Name}'");
            }
        }
    }

    /// <summary>The folder that holds the reference files, next to the test assembly.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Data", "Reference");

    /// <summary>The family name, e.g. "layers".</summary>
    public string Family { get; }

    /// <summary>The format version written in the file.</summary>
    public int FormatVersion { get; }

    /// <summary>The PyTorch version that produced the values.</summary>
    public string TorchVersion { get; }

    /// <summary>All cases, in file order.</summary>
    public IReadOnlyList<ReferenceCase> Cases { get; }

    /// <summary>The case named <paramref name="name"/>.</summary>
    public ReferenceCase this[string name] =>
        _byName.TryGetValue(name, out ReferenceCase? c)
            ? c
            : throw new KeyNotFoundException($"reference data {Family}: no case named '{name}'");

    /// <summary>The cases of one kind, e.g. all "Conv2d" cases.</summary>
    public IReadOnlyList<ReferenceCase> OfKind(string kind)
    {
        var result = new List<ReferenceCase>();
        foreach (ReferenceCase c in Cases)
        {
            if (c.Kind == kind)
            {
                result.Add(c);
            }
        }
        return result;
    }

    /// <summary>Loads (once per test run) the file of <paramref name="family"/>, e.g. "losses".</summary>
    public static ReferenceData Load(string family) => s_cache.GetOrAdd(family, Read);

    private static ReferenceData Read(string family)
    {
        string path = Path.Combine(Directory, family + ".json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"reference data: no file for family '{family}' at {path}; " +
                "the test project copies Data/** to the output folder, and " +
                "tests/reference/generate_references.py writes the files", path);
        }
        // The document is kept alive: every ReferenceCase reads its fields from it on demand.
        JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = document.RootElement;
        string fileFamily = root.GetProperty("family").GetString() ?? "";
        if (fileFamily != family)
        {
            throw new InvalidDataException($"reference data: {path} says family '{fileFamily}', expected '{family}'");
        }
        int version = root.GetProperty("format_version").GetInt32();
        if (version != SupportedFormatVersion)
        {
            throw new InvalidDataException(
                $"reference data {family}: format version {version}, this reader understands {SupportedFormatVersion}");
        }
        var cases = new List<ReferenceCase>();
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
        {
            cases.Add(new ReferenceCase(c));
        }
        return new ReferenceData(family, version, root.GetProperty("torch_version").GetString() ?? "", cases);
    }
}
