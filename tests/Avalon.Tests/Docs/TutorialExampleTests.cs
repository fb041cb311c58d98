using System.Text.RegularExpressions;

namespace Avalon.Tests.Docs;

/// <summary>The doc tests capture the console, so they run alone, not beside other tests that may write to it.</summary>
[CollectionDefinition(nameof(ConsoleCapturingDocs), DisableParallelization = true)]
public sealed class ConsoleCapturingDocs;

/// <summary>
/// Every markdown file under docs/tutorials: its C# blocks are compiled and run in order as one program,
/// and what each block prints must match the <c>```text</c> block that follows it (<c>...</c> stands for
/// text that differs from run to run). Run with <c>AVALON_UPDATE_DOCS=1</c> to write the printed output
/// into the output blocks that no longer match, then review and commit.
/// </summary>
[Collection(nameof(ConsoleCapturingDocs))]
public class TutorialExampleTests
{
    /// <summary>The tutorials, as paths relative to the repository root.</summary>
    public static TheoryData<string> Tutorials()
    {
        var data = new TheoryData<string>();
        var root = MarkdownSnippets.RepositoryRoot();
        foreach (var path in Directory.GetFiles(Path.Combine(root, "docs", "tutorials"), "*.md").Order(StringComparer.Ordinal))
            if (MarkdownSnippets.Snippets(File.ReadAllText(path)).Count > 0)
                data.Add(Path.GetRelativePath(root, path).Replace('\\', '/'));
        return data;
    }

    [Theory]
    [MemberData(nameof(Tutorials))]
    public void TutorialRunsAndPrintsWhatItShows(string tutorial)
    {
        var path = Path.Combine(MarkdownSnippets.RepositoryRoot(), tutorial);
        var run = MarkdownSnippets.Run(path);
        if (Environment.GetEnvironmentVariable("AVALON_UPDATE_DOCS") == "1")
        {
            var markdown = File.ReadAllText(path);
            var updated = MarkdownSnippets.WithPrintedOutputs(markdown, run);
            if (updated != markdown) File.WriteAllText(path, updated);
            // Compare against the rewritten file without running it again (a run registers user primitives).
            run = run with { Snippets = MarkdownSnippets.Snippets(updated) };
        }
        var problems = new List<string>();
        for (int s = 0; s < run.Snippets.Count; s++)
        {
            var snippet = run.Snippets[s];
            var printed = MarkdownSnippets.Normalize(run.Printed[s]);
            if (snippet.Output is null)
            {
                if (printed.Length > 0)
                    problems.Add($"{tutorial}:{snippet.Code.FenceLine}: the block prints but no ```text block shows it:\n{printed}");
            }
            else if (!MarkdownSnippets.Matches(snippet.Output.Text, printed))
            {
                problems.Add($"{tutorial}:{snippet.Output.FenceLine}: documented output\n{MarkdownSnippets.Normalize(snippet.Output.Text)}\nbut the block printed\n{printed}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n\n", problems) + "\n(run with AVALON_UPDATE_DOCS=1 to rewrite the output blocks)");
    }

    [Fact]
    public void IndexLinksEveryTutorialAndEveryLinkResolves()
    {
        var dir = Path.Combine(MarkdownSnippets.RepositoryRoot(), "docs", "tutorials");
        var index = File.ReadAllText(Path.Combine(dir, "README.md"));
        var links = Regex.Matches(index, @"\]\(([^)#]+\.md)\)").Select(m => m.Groups[1].Value).ToHashSet();
        var tutorials = Directory.GetFiles(dir, "*.md").Select(Path.GetFileName).Where(f => f != "README.md").ToList();
        Assert.NotEmpty(tutorials);
        foreach (var file in tutorials) Assert.True(links.Contains(file!), $"docs/tutorials/README.md does not link {file}");
        foreach (var link in links) Assert.True(File.Exists(Path.Combine(dir, link)), $"docs/tutorials/README.md links {link}, which does not exist");
    }

    [Fact]
    public void OutputsAreComparedWithWildcardsAndDeclarationsAreRecognised()
    {
        Assert.True(MarkdownSnippets.Matches("loss 0.5 in ... s\n", "loss 0.5 in 1.23 s"));
        Assert.False(MarkdownSnippets.Matches("loss 0.5 in ... s", "loss 0.6 in 1.23 s"));
        Assert.True(MarkdownSnippets.Matches("a\n...\nz", "a\nb\nc\nz"));
        Assert.False(MarkdownSnippets.Matches("a\nb", "a\nb\nc"));
        Assert.True(MarkdownSnippets.IsDeclarationBlock("using Avalon.Nn;\n\n// a model\npublic sealed class M : Module\n{\n}\n"));
        Assert.True(MarkdownSnippets.IsDeclarationBlock("[Serializable]\nsealed record R(int A);\n"));
        Assert.False(MarkdownSnippets.IsDeclarationBlock("using Avalon;\nvar x = Tensor.Ones(2);\n"));

        var markdown = "# t\n\n```csharp\nConsole.WriteLine(1 + 1);\n```\n\n```text\nold\n```\n";
        var snippets = MarkdownSnippets.Snippets(markdown);
        var updated = MarkdownSnippets.WithPrintedOutputs(markdown, new SnippetRun(snippets, ["2\n"]));
        Assert.Equal("# t\n\n```csharp\nConsole.WriteLine(1 + 1);\n```\n\n```text\n2\n```\n", updated);
    }
}
