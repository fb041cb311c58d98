using Avalon.Benchmarks;

// Usage: Avalon.Benchmarks <command> [options]. Each command prints a human table, or with --json one
// JSON line with the same fields as the matching PyTorch script so the two can be compared.
IBenchmarkCommand[] commands = [new GemmBenchmark(), new CnnBenchmark(), new VaeBenchmark(), new AllocBenchmark(), new CompileBenchmark()];

if (args.Length == 0 || args[0] is "-h" or "--help" || Array.Find(commands, c => c.Name == args[0]) is not { } command)
{
    Console.Error.WriteLine("usage: Avalon.Benchmarks <command> [options]");
    foreach (IBenchmarkCommand c in commands) Console.Error.WriteLine($"  {c.Name,-8} {c.Summary}");
    return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
}

try
{
    return command.Run(new BenchArgs(args[1..]));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"{command.Name}: {e.Message}");
    return 2;
}
