// The program the distributed tests launch under mpirun: one scenario per run, named by the first
// argument. Each prints "key=value" lines the tests read, and exits 0 when the scenario's own checks
// pass. Run by hand: mpirun --oversubscribe -np 2 dotnet Avalon.Distributed.TestHost.dll collectives
using Avalon.Distributed.TestHost;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Avalon.Distributed.TestHost <collectives|equivalence|no-sync|fit|fit-compiled|sync-batchnorm|hang|crash|sweep|lenet|cnn> [options]");
    return 2;
}
Avalon.Threads.Count = 1;
return args[0] switch
{
    "collectives" => Scenarios.Collectives(),
    "equivalence" => Scenarios.Equivalence(),
    "no-sync" => Scenarios.NoSync(),
    "sync-batchnorm" => Scenarios.SyncBatchNormEquivalence(),
    "fit" => Scenarios.Fit(args.Length > 1 ? args[1] : Path.GetTempPath()),
    "fit-compiled" => Scenarios.FitCompiledAgainstEager(),
    "hang" => Scenarios.Hang(),
    "crash" => Scenarios.Crash(),
    "sweep" => Benchmarks.AllReduceSweep(),
    "lenet" => Benchmarks.Train("lenet", args[1..]),
    "cnn" => Benchmarks.Train("cnn", args[1..]),
    _ => Usage(args[0]),
};

static int Usage(string name)
{
    Console.Error.WriteLine($"unknown scenario '{name}'");
    return 2;
}
