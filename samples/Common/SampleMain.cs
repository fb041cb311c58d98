namespace Avalon.Samples.Common;

/// <summary>The samples' entry point: runs a sample, answering <c>--help</c> and reporting a wrong command line without a stack trace.</summary>
public static class SampleMain
{
    /// <summary>
    /// Runs <paramref name="sample"/> on <paramref name="args"/>: its exit code; 0 after printing the usage for
    /// <c>--help</c>; 2 after printing the error and the known options for a wrong command line.
    /// </summary>
    /// <param name="name">The sample's project name, for messages (e.g. <c>samples/Vae</c>).</param>
    /// <param name="sample">The sample's <c>Run(string[] args)</c>.</param>
    /// <param name="args">The command line.</param>
    public static int Run(string name, Func<string[], int> sample, string[] args)
    {
        try
        {
            return sample(args);
        }
        catch (SampleUsageException e) when (e.HelpRequested)
        {
            Console.WriteLine($"usage: dotnet run -c Release --project {name} -- [options]");
            Console.WriteLine(e.Message);
            return 0;
        }
        catch (SampleUsageException e)
        {
            Console.Error.WriteLine($"{name}: {e.Message}");
            return 2;
        }
    }
}
