namespace Avalon.Cli.Tests;

/// <summary>Runs the <c>avalon</c> command in-process with the console captured (tests using it share the "Console" collection).</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (o, e) = (Console.Out, Console.Error);
        var (outText, errText) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(outText);
            Console.SetError(errText);
            int code = Program.Main(args);
            return (code, outText.ToString(), errText.ToString());
        }
        finally
        {
            Console.SetOut(o);
            Console.SetError(e);
        }
    }
}
