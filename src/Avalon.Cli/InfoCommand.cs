using System.CommandLine;
using System.Text.Json;

namespace Avalon.Cli;

/// <summary><c>avalon info [--json]</c>: version, SIMD width and instruction sets, threads, processor, devices, runtime.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of lines." };
        var command = new Command("info", "Describe this build and machine: Avalon version, the vector width the kernels use (Vector512/256/128) and the " +
                                          "instruction sets behind it, the thread count, the processor, the registered devices and the .NET runtime.") { json };
        command.SetAction(parse =>
        {
            var fields = SystemInfo.Collect();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(fields.ToDictionary(f => f.Key, f => f.Value)));
                return 0;
            }
            foreach (var (name, value) in fields)
                Console.WriteLine($"{name + ":",-14} {(value is string[] list ? (list.Length == 0 ? "(none)" : string.Join(", ", list)) : value)}");
            return 0;
        });
        return command;
    }
}
