using System.IO.Compression;
using System.Text;

namespace Avalon.Samples.Common;

/// <summary>
/// A character-level text corpus: the text, its vocabulary (the distinct characters, sorted), the text
/// as indices, and random windows for language-model training. <see cref="Jargon"/> is the embedded one.
/// </summary>
public sealed class CharCorpus
{
    private readonly Dictionary<char, int> _index;

    /// <summary>Builds the corpus of <paramref name="text"/>.</summary>
    public CharCorpus(string text)
    {
        if (text.Length < 2) throw new ArgumentException("CharCorpus: the text needs at least 2 characters.");
        Text = text;
        Vocabulary = [.. text.Distinct().Order()];
        _index = Vocabulary.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        Codes = text.Select(c => _index[c]).ToArray();
    }

    /// <summary>
    /// The Jargon File 4.4.7 (Eric S. Raymond et al., 29 Dec 2003; public domain, as its Debian package
    /// <c>jargon-text</c> states): the first 400 KB of the glossary, with typographic quotes and dashes
    /// written in ASCII (see <c>samples/Common/Text/README.md</c>).
    /// </summary>
    public static CharCorpus Jargon()
    {
        using var stream = typeof(CharCorpus).Assembly.GetManifestResourceStream("jargon-4.4.7.txt.gz")
            ?? throw new InvalidOperationException("CharCorpus: the embedded Jargon File text is missing from the assembly.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.ASCII);
        return new CharCorpus(reader.ReadToEnd());
    }

    /// <summary>The whole text.</summary>
    public string Text { get; }

    /// <summary>The distinct characters, in ordinal order; a character's position is its code.</summary>
    public char[] Vocabulary { get; }

    /// <summary>The text as codes.</summary>
    public int[] Codes { get; }

    /// <summary>The code of each character of <paramref name="text"/> (characters outside the vocabulary are an error).</summary>
    public int[] Encode(string text) => text.Select(c => _index.TryGetValue(c, out int i) ? i
        : throw new ArgumentException($"CharCorpus: character '{c}' is not in the vocabulary.")).ToArray();

    /// <summary>The text of <paramref name="codes"/>.</summary>
    public string Decode(IEnumerable<int> codes) => new([.. codes.Select(i => Vocabulary[i])]);

    /// <summary>
    /// A batch of <paramref name="batchSize"/> random windows of <paramref name="length"/> + 1 codes from
    /// <c>[start, end)</c> of the text: inputs are the first <paramref name="length"/>, targets the same shifted by one.
    /// </summary>
    /// <returns>Inputs and targets, int64 <c>[batchSize, length]</c>.</returns>
    public (Tensor Input, Tensor Target) Windows(int batchSize, int length, int start, int end, Generator generator)
    {
        if (end - start < length + 1) throw new ArgumentException($"CharCorpus.Windows: the range [{start}, {end}) is shorter than a window of {length + 1}.");
        var input = new long[batchSize * length];
        var target = new long[batchSize * length];
        for (int b = 0; b < batchSize; b++)
        {
            int at = (int)generator.NextInt64(start, end - length);
            for (int t = 0; t < length; t++)
            {
                input[b * length + t] = Codes[at + t];
                target[b * length + t] = Codes[at + t + 1];
            }
        }
        return (Tensor.From(input, batchSize, length), Tensor.From(target, batchSize, length));
    }

    /// <summary>
    /// Draws the next code from <paramref name="logits"/> (1-d) at <paramref name="temperature"/>:
    /// softmax(logits / T), then one uniform draw of <paramref name="generator"/>.
    /// </summary>
    public static int SampleNext(Tensor logits, double temperature, Generator generator)
    {
        var values = logits.ToDoubleArray();
        double max = values.Max();
        var weights = values.Select(v => Math.Exp((v - max) / temperature)).ToArray();
        double u = generator.NextDouble() * weights.Sum();
        for (int i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return weights.Length - 1;
    }
}
