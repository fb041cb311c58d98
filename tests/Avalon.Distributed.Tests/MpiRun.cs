using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Avalon.Distributed.Tests;

/// <summary>Runs the test host under <c>mpirun</c> and collects what each rank reported.</summary>
internal static partial class MpiRun
{
    /// <summary>The launcher on the PATH, or null.</summary>
    public static string? Launcher { get; } = Find("mpirun") ?? Find("mpiexec");

    public static string HostPath => Path.Combine(AppContext.BaseDirectory, "Avalon.Distributed.TestHost.dll");

    /// <summary>The result of one job.</summary>
    public sealed record Result(int ExitCode, string Output, string Errors, TimeSpan Elapsed)
    {
        /// <summary>The value rank <paramref name="rank"/> reported for <paramref name="key"/> (its "[rank r] key=value" line).</summary>
        public string Value(int rank, string key)
        {
            foreach (Match m in ReportLine().Matches(Output))
                if (int.Parse(m.Groups[1].Value) == rank && m.Groups[2].Value == key) return m.Groups[3].Value.TrimEnd('\r');
            throw new Xunit.Sdk.XunitException($"rank {rank} reported no {key}. Exit code {ExitCode}.\nstdout:\n{Output}\nstderr:\n{Errors}");
        }

        public double Number(int rank, string key) => double.Parse(Value(rank, key), System.Globalization.CultureInfo.InvariantCulture);

        public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.0} s\nstdout:\n{Output}\nstderr:\n{Errors}";
    }

    /// <summary>Runs <c>processes</c> copies of the test host with <paramref name="arguments"/>; kills the job after <paramref name="timeout"/>.</summary>
    public static Result Run(int processes, TimeSpan timeout, params string[] arguments) => RunProgram(processes, timeout, HostPath, arguments);

    /// <summary>Runs <c>processes</c> copies of the .NET program <paramref name="program"/> (a .dll) with <paramref name="arguments"/>; kills the job after <paramref name="timeout"/>.</summary>
    public static Result RunProgram(int processes, TimeSpan timeout, string program, params string[] arguments)
    {
        string launcher = Launcher ?? throw new InvalidOperationException(
            "mpirun is not on the PATH, and AVALON_REQUIRE_TEST_DATA=1 requires it: install Open MPI (Debian: apt-get install openmpi-bin).");
        var start = new ProcessStartInfo(launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (IsOpenMpi(launcher))
        {
            // CI runs as root on two cores: Open MPI refuses root and more processes than cores unless told.
            start.ArgumentList.Add("--allow-run-as-root");
            start.ArgumentList.Add("--oversubscribe");
            start.ArgumentList.Add("--bind-to");
            start.ArgumentList.Add("none");
        }
        start.ArgumentList.Add("-np");
        start.ArgumentList.Add(processes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(program);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["TERM"] = "dumb";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"mpirun {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s (a hang).\nstdout:\n{output.Result}\nstderr:\n{errors.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, errors.Result, watch.Elapsed);
    }

    private static bool IsOpenMpi(string launcher)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(launcher, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            string text = p.StandardOutput.ReadToEnd();
            p.WaitForExit(10_000);
            return text.Contains("Open MPI", StringComparison.OrdinalIgnoreCase) || text.Contains("OpenRTE", StringComparison.OrdinalIgnoreCase);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    [GeneratedRegex(@"^\[rank (\d+)\] ([a-z_0-9]+)=(.*)$", RegexOptions.Multiline)]
    private static partial Regex ReportLine();
}
