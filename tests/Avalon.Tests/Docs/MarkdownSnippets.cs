using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Avalon.Tests.Docs;

/// <summary>One fenced block of a markdown file: its info string, its text and where it starts (1-based line of its first content line).</summary>
internal sealed record MarkdownBlock(string Language, string Text, int FirstLine, int FenceLine, int CloseLine);

/// <summary>A <c>```csharp</c> block and the <c>```text</c> block after it (before the next C# block), which shows what it prints.</summary>
internal sealed record Snippet(MarkdownBlock Code, MarkdownBlock? Output)
{
    /// <summary>Whether the block declares types (classes, records...) rather than running statements.</summary>
    public bool IsDeclaration => MarkdownSnippets.IsDeclarationBlock(Code.Text);
}

/// <summary>The result of running a markdown file's C# blocks as one program: what each block printed.</summary>
internal sealed record SnippetRun(IReadOnlyList<Snippet> Snippets, IReadOnlyList<string> Printed);

/// <summary>
/// Compiles and runs the C# blocks of a markdown file as one program, the way a reader would paste them
/// into a console project one after another: <c>using</c> lines are hoisted, blocks that declare types go
/// after the statements (C# top-level programs need that order), and the statement blocks run in order,
/// each one's console output captured separately. A <c>```text</c> block that follows a C# block is
/// what that block prints; <see cref="Matches"/> compares them, where <c>...</c> stands for any text
/// (for what differs from run to run, such as timings).
/// </summary>
internal static class MarkdownSnippets
{
    private const char BlockMarker = '\u001e';

    private static readonly string[] ImplicitUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly Regex UsingDirective = new(@"^using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[\w.<>, ]+)?\s*;\s*(//.*)?$", RegexOptions.Compiled);

    private static readonly Regex TypeDeclaration = new(
        @"^(\[[^\]]*\]\s*)*((public|internal|private|sealed|abstract|static|file|partial|readonly)\s+)*(class|record|struct|interface|enum)\s",
        RegexOptions.Compiled);

    /// <summary>The repository root (the folder holding Avalon.sln).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Avalon.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (Avalon.sln) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every fenced block of a markdown text, in order.</summary>
    public static List<MarkdownBlock> Blocks(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var blocks = new List<MarkdownBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```")) continue;
            string language = lines[i][3..].Trim();
            int start = i;
            var body = new StringBuilder();
            int j = i + 1;
            for (; j < lines.Length && !lines[j].StartsWith("```"); j++) body.Append(lines[j]).Append('\n');
            if (j == lines.Length) throw new InvalidOperationException($"unclosed code fence at line {start + 1}");
            blocks.Add(new MarkdownBlock(language, body.ToString(), start + 2, start + 1, j + 1));
            i = j;
        }
        return blocks;
    }

    /// <summary>The C# blocks of a markdown text, each with the output block that follows it (if any).</summary>
    public static List<Snippet> Snippets(string markdown)
    {
        var blocks = Blocks(markdown);
        var snippets = new List<Snippet>();
        for (int i = 0; i < blocks.Count; i++)
        {
            if (blocks[i].Language != "csharp") continue;
            MarkdownBlock? output = null;
            for (int j = i + 1; j < blocks.Count && blocks[j].Language != "csharp"; j++)
                if (blocks[j].Language == "text") { output = blocks[j]; break; }
            snippets.Add(new Snippet(blocks[i], output));
        }
        return snippets;
    }

    /// <summary>Whether a block's first code line (after usings, comments and attributes) starts a type declaration.</summary>
    public static bool IsDeclarationBlock(string code)
    {
        foreach (var raw in code.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//") || UsingDirective.IsMatch(line)) continue;
            if (line.StartsWith('[') && line.EndsWith(']')) continue; // an attribute on its own line
            return TypeDeclaration.IsMatch(line);
        }
        return false;
    }

    /// <summary>The program the snippets make, with <c>#line</c> directives pointing back at the markdown file.</summary>
    public static string Program(IReadOnlyList<Snippet> snippets, string markdownPath)
    {
        var usings = new List<string>();
        var statements = new StringBuilder();
        var declarations = new StringBuilder();
        string file = markdownPath.Replace("\\", "/");
        for (int s = 0; s < snippets.Count; s++)
        {
            var snippet = snippets[s];
            var target = snippet.IsDeclaration ? declarations : statements;
            if (!snippet.IsDeclaration) statements.Append($"global::System.Console.Out.Write(\"\\u001e{s}\\n\");\n");
            var lines = snippet.Code.Text.Split('\n');
            for (int k = 0; k < lines.Length; k++)
            {
                var trimmed = lines[k].Trim();
                if (UsingDirective.IsMatch(trimmed))
                {
                    var directive = trimmed.Split("//")[0].Trim();
                    if (!usings.Contains(directive)) usings.Add(directive);
                    lines[k] = "";
                }
            }
            target.Append($"#line {snippet.Code.FirstLine} \"{file}\"\n");
            target.Append(string.Join("\n", lines)).Append('\n');
            target.Append("#line default\n");
        }
        var program = new StringBuilder();
        foreach (var u in ImplicitUsings) program.Append($"global using global::{u};\n");
        foreach (var u in usings) program.Append(u).Append('\n');
        program.Append(statements);
        program.Append($"global::System.Console.Out.Write(\"\\u001e{snippets.Count}\\n\");\n");
        program.Append(declarations);
        return program.ToString();
    }

    /// <summary>Compiles the program (warnings are errors, nullable on, as in the repository's projects) and returns its assembly.</summary>
    public static Assembly Compile(string program, string name)
    {
        var tree = CSharpSyntaxTree.ParseText(program, new CSharpParseOptions(LanguageVersion.Latest), path: name + ".cs", encoding: Encoding.UTF8);
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = trusted
            .Append(typeof(Tensor).Assembly.Location)
            .Distinct()
            .Where(File.Exists)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            name, [tree], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication,
                nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release,
                generalDiagnosticOption: ReportDiagnostic.Error));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (!result.Success || problems.Count > 0)
            throw new InvalidOperationException("the code blocks do not compile:\n" + string.Join("\n", problems.Select(d => d.ToString())));
        image.Position = 0;
        return AssemblyLoadContext.Default.LoadFromStream(image);
    }

    /// <summary>Compiles and runs a markdown file's C# blocks; returns what each block printed.</summary>
    public static SnippetRun Run(string markdownPath)
    {
        var snippets = Snippets(File.ReadAllText(markdownPath));
        string relative = Path.GetRelativePath(RepositoryRoot(), markdownPath);
        var assembly = Compile(Program(snippets, relative), "Snippets_" + Regex.Replace(relative, @"\W", "_") + "_" + Guid.NewGuid().ToString("N"));
        var output = new StringWriter { NewLine = "\n" };
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            var entry = assembly.EntryPoint ?? throw new InvalidOperationException("no entry point");
            entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"{relative}: the code blocks threw; printed so far:\n{output}", e.InnerException);
        }
        finally
        {
            Console.SetOut(console);
        }
        var printed = new string[snippets.Count];
        Array.Fill(printed, "");
        foreach (var part in output.ToString().Split(BlockMarker, StringSplitOptions.RemoveEmptyEntries))
        {
            int newline = part.IndexOf('\n');
            int index = int.Parse(part[..newline]);
            if (index < snippets.Count) printed[index] = part[(newline + 1)..];
        }
        return new SnippetRun(snippets, printed);
    }

    /// <summary>Text with line endings normalised, trailing spaces and trailing blank lines removed.</summary>
    public static string Normalize(string text) =>
        string.Join("\n", text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n');

    /// <summary>Whether printed output matches the documented output, where <c>...</c> stands for any text (across lines too).</summary>
    public static bool Matches(string documented, string printed)
    {
        string expected = Normalize(documented), actual = Normalize(printed);
        if (!expected.Contains("...")) return expected == actual;
        var pattern = "^" + string.Join("[\\s\\S]*?", expected.Split("...").Select(Regex.Escape)) + "$";
        return Regex.IsMatch(actual, pattern);
    }

    /// <summary>
    /// Rewrites the output blocks whose text does not match what their code printed (keeping those that
    /// match, wildcards and all) and returns the new markdown.
    /// </summary>
    public static string WithPrintedOutputs(string markdown, SnippetRun run)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n').ToList();
        // Replace from the bottom up so earlier line numbers stay valid.
        for (int s = run.Snippets.Count - 1; s >= 0; s--)
        {
            var output = run.Snippets[s].Output;
            if (output is null || Matches(output.Text, run.Printed[s])) continue;
            int first = output.FenceLine, close = output.CloseLine - 1; // 0-based: content is first..close-1
            lines.RemoveRange(first, close - first);
            var printed = Normalize(run.Printed[s]);
            lines.InsertRange(first, printed.Length == 0 ? [] : printed.Split('\n'));
        }
        return string.Join("\n", lines);
    }
}
