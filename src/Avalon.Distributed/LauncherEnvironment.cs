using System.Globalization;

namespace Avalon.Distributed;

/// <summary>
/// What the launcher tells a process through its environment: its rank among all processes and on its
/// machine (Open MPI's <c>mpirun</c>, MPICH's Hydra <c>mpiexec</c>, Slurm's <c>srun</c>, and PMI).
/// </summary>
/// <param name="Launcher">The launcher recognised: <c>mpirun (Open MPI)</c>, <c>mpiexec (MPICH Hydra)</c>, <c>srun (Slurm)</c>, <c>PMI</c>, or <c>none</c>.</param>
/// <param name="Rank">The global rank, when the launcher says.</param>
/// <param name="WorldSize">The number of processes, when the launcher says.</param>
/// <param name="LocalRank">The rank among the processes on this machine, when the launcher says.</param>
/// <param name="LocalWorldSize">The number of processes on this machine, when the launcher says.</param>
public sealed record LauncherEnvironment(string Launcher, int? Rank, int? WorldSize, int? LocalRank, int? LocalWorldSize)
{
    /// <summary>Reads the current process's environment.</summary>
    public static LauncherEnvironment Current() => From(name => Environment.GetEnvironmentVariable(name));

    /// <summary>Reads the variables through <paramref name="lookup"/> (for tests).</summary>
    /// <param name="lookup">The value of an environment variable, or null when unset.</param>
    public static LauncherEnvironment From(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        int? Int(string name) => int.TryParse(lookup(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
        if (Int("OMPI_COMM_WORLD_RANK") is int ompiRank)
            return new("mpirun (Open MPI)", ompiRank, Int("OMPI_COMM_WORLD_SIZE"), Int("OMPI_COMM_WORLD_LOCAL_RANK"), Int("OMPI_COMM_WORLD_LOCAL_SIZE"));
        if (Int("MPI_LOCALRANKID") is int hydraLocal)
            return new("mpiexec (MPICH Hydra)", Int("PMI_RANK"), Int("PMI_SIZE"), hydraLocal, Int("MPI_LOCALNRANKS"));
        if (Int("SLURM_PROCID") is int slurmRank)
            return new("srun (Slurm)", slurmRank, Int("SLURM_NTASKS"), Int("SLURM_LOCALID"), SlurmTasksOnThisNode(lookup));
        if (Int("PMI_RANK") is int pmiRank)
            return new("PMI", pmiRank, Int("PMI_SIZE"), Int("PMI_LOCAL_RANK"), Int("PMI_LOCAL_SIZE"));
        return new("none", null, null, null, null);
    }

    // SLURM_TASKS_PER_NODE is "2(x3),1": counts per node in node order; SLURM_NODEID picks ours.
    private static int? SlurmTasksOnThisNode(Func<string, string?> lookup)
    {
        string? perNode = lookup("SLURM_TASKS_PER_NODE") ?? lookup("SLURM_STEP_TASKS_PER_NODE");
        if (perNode is null || !int.TryParse(lookup("SLURM_NODEID"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int node)) return null;
        int index = 0;
        foreach (var part in perNode.Split(','))
        {
            int open = part.IndexOf('(');
            if (!int.TryParse(open < 0 ? part : part[..open], NumberStyles.Integer, CultureInfo.InvariantCulture, out int count)) return null;
            int repeat = 1;
            if (open >= 0 && !int.TryParse(part[(open + 2)..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out repeat)) return null;
            if (node < index + repeat) return count;
            index += repeat;
        }
        return null;
    }
}
