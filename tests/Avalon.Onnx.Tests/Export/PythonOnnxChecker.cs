using System.Diagnostics;
using Avalon.Tests.TestData;

namespace Avalon.Onnx.Tests.Export;

/// <summary>
/// Runs <c>tests/reference/onnx/check_exports.py</c> (copied beside the tests) with the system's python3,
/// when python3 can import <c>onnx.checker</c> (Debian's python3-onnx).
/// </summary>
internal static class PythonOnnxChecker
{
    public static string Script => Path.Combine(AppContext.BaseDirectory, "reference", "check_exports.py");

    private static readonly Lazy<string?> s_python = new(Find);

    /// <summary>The python3 that imports onnx, or null.</summary>
    public static string? Python => s_python.Value;

    private static string? Find()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var (code, _) = Run(candidate, ["-c", "import onnx.checker"], TimeSpan.FromSeconds(60));
                if (code == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed
            }
        }
        return null;
    }

    /// <summary>Runs the checker over <paramref name="folder"/>: its exit code and everything it printed.</summary>
    public static (int Code, string Output) Check(string folder) =>
        Run(Python ?? throw new InvalidOperationException($"python3 with the onnx package is required ({ExternalData.RequireVariable}=1) but was not found; install python3-onnx."),
            [Script, folder], TimeSpan.FromMinutes(5));

    private static (int Code, string Output) Run(string file, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(" ", arguments)} ran longer than {timeout}.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A fact that is skipped, saying why, when no python3 with the onnx package is present (unless <c>AVALON_REQUIRE_TEST_DATA=1</c>).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PythonOnnxFactAttribute : FactAttribute
{
    public PythonOnnxFactAttribute()
    {
        if (PythonOnnxChecker.Python is null && !ExternalData.IsRequired)
            Skip = $"python3 with the onnx package is not present (install python3-onnx); set {ExternalData.RequireVariable}=1 to make this a failure";
    }
}
