namespace Avalon.Benchmarks;

/// <summary>One sub-command of the benchmark runner (gemm, cnn, vae, ...), one file each.</summary>
internal interface IBenchmarkCommand
{
    /// <summary>The word that selects it on the command line.</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Summary { get; }

    /// <summary>Runs it with the arguments after its name; returns the process exit code.</summary>
    int Run(BenchArgs args);
}
