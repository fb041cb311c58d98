using Avalon.Samples.Common;

namespace Avalon.Samples.LstmLanguageModel;

/// <summary>Trains the character LSTM on the Jargon File and generates text.</summary>
public static class LstmLanguageModelSample
{
    /// <summary>Runs the sample: <c>--quick</c>, <c>--steps N</c>, <c>--hidden N</c>, <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>.</summary>
    public static int Run(string[] args)
    {
        var o = new SampleArgs(args, Path.Combine("runs", "lstm-lm"), ["steps", "hidden"]);
        Generator.ManualSeed(o.Seed);
        var corpus = CharCorpus.Jargon();
        Console.WriteLine($"Corpus: Jargon File 4.4.7 (public domain), {corpus.Text.Length:N0} characters, {corpus.Vocabulary.Length} distinct");
        var model = new CharLstm(corpus.Vocabulary.Length, hidden: o.Int("hidden", 256, 32));
        Console.WriteLine(model);
        Console.WriteLine($"{model.ParameterCount:N0} parameters; {Threads.Count} threads");
        CharLanguageModelTraining.Run(model, corpus, o, steps: o.Int("steps", 1500, 3), batchSize: 32, length: o.Quick ? 16 : 64, lr: 3e-3, "Character LSTM");
        return 0;
    }
}
