using Avalon.Interop;

namespace Avalon.Tests.Data;

/// <summary>Runs the loader fuzz tests' mutants through a mapped reader, which needs a file: each is written to one and mapped.</summary>
internal sealed class MappedFuzzing : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "avalon-mapped-fuzz-" + Guid.NewGuid().ToString("N"));

    public MappedFuzzing() => Directory.CreateDirectory(_folder);

    /// <summary>
    /// A load for <see cref="LoaderFuzzing.Run"/>: writes the mutant to <paramref name="fileName"/>, maps it and
    /// reads every tensor (checking its data first, as <c>LoadStateDict</c> does), then closes it.
    /// </summary>
    public Action<Stream> Load(string fileName, Func<string, MappedStateDict> map) => stream =>
    {
        string path = Path.Combine(_folder, fileName);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            stream.CopyTo(file);
        using var mapped = map(path);
        foreach (var key in mapped.Keys) mapped.CheckData(key);
        foreach (var _ in mapped.Values) { }
    };

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
