using System.Globalization;
using System.Text;
using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Samples.Common;

/// <summary>
/// The training loop the character-level language models share: random windows from the first 90 % of
/// the corpus, validation loss (in bits per character) on windows from the last 10 %, then text generated
/// from a prompt, written under the output folder.
/// </summary>
public static class CharLanguageModelTraining
{
    /// <summary>Trains <paramref name="model"/> (codes <c>[B, T]</c> → logits <c>[B, T, V]</c>) and writes <c>samples.txt</c>.</summary>
    /// <returns>The final validation loss in bits per character.</returns>
    public static double Run(Module model, CharCorpus corpus, SampleArgs o, int steps, int batchSize, int length, double lr, string name)
    {
        int split = corpus.Codes.Length * 9 / 10;
        var optimizer = new AdamW(model.Parameters(), lr: lr, weightDecay: 0.01);
        var batches = new Generator(o.Seed + 1);
        var c = CultureInfo.InvariantCulture;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        double validation = double.NaN;
        int report = Math.Max(1, steps / 10);
        for (int step = 1; step <= steps; step++)
        {
            model.Train();
            var (input, target) = corpus.Windows(batchSize, length, 0, split, batches);
            optimizer.ZeroGrad();
            var logits = model.Forward(input);
            var loss = Functional.CrossEntropy(logits.Reshape(-1, corpus.Vocabulary.Length), target.Reshape(-1));
            loss.Backward();
            ClipGrad.ClipGradNorm(model.Parameters(), 1.0);
            optimizer.Step();
            if (step % report == 0 || step == steps)
            {
                validation = ValidationBits(model, corpus, split, length, o.Seed + 2, o.Quick ? 2 : 8);
                Console.WriteLine(string.Create(c,
                    $"step {step}/{steps}: train {loss.Item() / Math.Log(2):F3} bits/char  validation {validation:F3} bits/char  ({watch.Elapsed.TotalSeconds:F0} s)"));
            }
        }

        Directory.CreateDirectory(o.OutputDirectory);
        var text = new StringBuilder();
        text.AppendLine(string.Create(c, $"{name}: {steps} steps of {batchSize}×{length} characters; validation {validation:F3} bits/char."));
        text.AppendLine("Text from the Jargon File 4.4.7 (public domain). Samples at temperature 0.8:");
        var generator = new Generator(o.Seed + 3);
        foreach (var prompt in (string[])[":hacker: n.\n\n", ":bug: "])
        {
            text.AppendLine().AppendLine("--- prompt: " + prompt.Replace("\n", "\\n", StringComparison.Ordinal));
            text.AppendLine(Generate(model, corpus, prompt, o.Quick ? 40 : 400, length, 0.8, generator));
        }
        var path = Path.Combine(o.OutputDirectory, "samples.txt");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text.ToString());
        File.Move(tmp, path, overwrite: true);
        Console.WriteLine(text.ToString());
        Console.WriteLine($"text samples: {path}");
        return validation;
    }

    /// <summary>Mean cross-entropy in bits per character over fixed windows from the validation part.</summary>
    public static double ValidationBits(Module model, CharCorpus corpus, int split, int length, ulong seed, int batches)
    {
        model.Eval();
        var generator = new Generator(seed);
        double total = 0;
        using (new NoGrad())
            for (int b = 0; b < batches; b++)
            {
                var (input, target) = corpus.Windows(32, length, split, corpus.Codes.Length, generator);
                var logits = model.Forward(input);
                total += Functional.CrossEntropy(logits.Reshape(-1, corpus.Vocabulary.Length), target.Reshape(-1)).Item();
            }
        return total / batches / Math.Log(2);
    }

    /// <summary>The prompt followed by <paramref name="count"/> characters, each drawn from the model's prediction after the last <paramref name="context"/> characters.</summary>
    public static string Generate(Module model, CharCorpus corpus, string prompt, int count, int context, double temperature, Generator generator)
    {
        model.Eval();
        var codes = new List<int>(corpus.Encode(prompt));
        using (new NoGrad())
            for (int i = 0; i < count; i++)
            {
                var window = codes.Skip(Math.Max(0, codes.Count - context)).Select(x => (long)x).ToArray();
                var logits = model.Forward(Tensor.From(window, 1, window.Length));
                codes.Add(CharCorpus.SampleNext(logits[0, window.Length - 1], temperature, generator));
            }
        return corpus.Decode(codes);
    }
}
