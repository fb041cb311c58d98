using Avalon.Samples.Common;

namespace Avalon.Samples.CharTransformer;

/// <summary>Trains the small character Transformer on the Jargon File and generates text.</summary>
public static class CharTransformerSample
{
    /// <summary>Runs the sample: <c>--quick</c>, <c>--steps N</c>, <c>--layers N</c>, <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>.</summary>
    public static int Run(string[] args)
    {
        var o = new SampleArgs(args, Path.Combine("runs", "char-transformer"), ["steps", "layers"]);
        Generator.ManualSeed(o.Seed);
        var corpus = CharCorpus.Jargon();
        Console.WriteLine($"Corpus: Jargon File 4.4.7 (public domain), {corpus.Text.Length:N0} characters, {corpus.Vocabulary.Length} distinct");
        int context = o.Quick ? 16 : 64;
        var model = o.Quick
            ? new CharGpt(corpus.Vocabulary.Length, context, dModel: 32, heads: 2, layers: o.Int("layers", 2, 1))
            : new CharGpt(corpus.Vocabulary.Length, context, layers: o.Int("layers", 2, 1));
        Console.WriteLine(model);
        Console.WriteLine($"{model.ParameterCount:N0} parameters; {Threads.Count} threads");
        CharLanguageModelTraining.Run(model, corpus, o, steps: o.Int("steps", 1500, 3), batchSize: 32, length: context, lr: 1e-3, "Character Transformer");
        return 0;
    }
}
