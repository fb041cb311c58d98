using System.CommandLine;

namespace Avalon.Cli;

/// <summary>The <c>avalon</c> command-line tool.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the command; returns the exit code.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("Avalon: deep learning for .NET. Model tools (onnx, inspect, convert), machine information (info) and benchmarks (bench).");
        var onnx = new Command("onnx", "ONNX models: run them, run conformance tests.");
        onnx.Subcommands.Add(OnnxTestCommand.Create());
        onnx.Subcommands.Add(OnnxRunCommand.Create());
        root.Subcommands.Add(onnx);
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root.Parse(args).Invoke();
    }
}
