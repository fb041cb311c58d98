using System.CommandLine;
using Avalon.Onnx;

namespace Avalon.Cli;

/// <summary><c>avalon onnx test DIR...</c>: runs folders in ONNX's backend-test layout through the importer.</summary>
internal static class OnnxTestCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("DIR")
        {
            Description = "Case folders (model.onnx + test_data_set_N/) or folders of them, e.g. onnx/backend/test/data/node.",
            Arity = ArgumentArity.OneOrMore,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per case instead of a line." };
        var table = new Option<string?>("--table") { Description = "Also write the Markdown pass table per family to this file." };
        var command = new Command("test", "Run ONNX backend-test cases; prints one line per case and 'N passed, M failed, K skipped'. Exit code 1 when a case failed.")
        {
            dirs, json, table,
        };
        command.SetAction(parse =>
        {
            var folders = parse.GetValue(dirs) ?? [];
            bool asJson = parse.GetValue(json);
            string? tablePath = parse.GetValue(table);
            IReadOnlyList<OnnxCaseResult> results;
            try
            {
                results = OnnxConformance.Run(folders, r => Console.WriteLine(asJson ? OnnxConformance.FormatJson(r) : OnnxConformance.FormatLine(r)));
            }
            catch (DirectoryNotFoundException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            if (!asJson) Console.WriteLine(OnnxConformance.Summary(results.ToList()));
            if (tablePath is not null) File.WriteAllText(tablePath, OnnxConformance.PassTable(results.ToList()));
            return results.Any(r => r.Status == OnnxCaseStatus.Failed) ? 1 : 0;
        });
        return command;
    }
}
