namespace Avalon.Distributed.Tests;

public sealed class LauncherEnvironmentTests
{
    private static LauncherEnvironment From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return LauncherEnvironment.From(name => map.TryGetValue(name, out var v) ? v : null);
    }

    [Fact]
    public void OpenMpiVariablesGiveRankSizeAndLocalRank()
    {
        var env = From(("OMPI_COMM_WORLD_RANK", "5"), ("OMPI_COMM_WORLD_SIZE", "8"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"), ("OMPI_COMM_WORLD_LOCAL_SIZE", "4"));
        Assert.Equal(new LauncherEnvironment("mpirun (Open MPI)", 5, 8, 1, 4), env);
    }

    [Fact]
    public void MpichHydraVariablesGiveRankSizeAndLocalRank()
    {
        var env = From(("PMI_RANK", "3"), ("PMI_SIZE", "4"), ("MPI_LOCALRANKID", "1"), ("MPI_LOCALNRANKS", "2"));
        Assert.Equal(new LauncherEnvironment("mpiexec (MPICH Hydra)", 3, 4, 1, 2), env);
    }

    [Fact]
    public void SlurmVariablesGiveTheTasksOfThisNodeFromTasksPerNode()
    {
        // 2 tasks on each of nodes 0-2, 1 on node 3: node 3 has 1.
        var env = From(("SLURM_PROCID", "6"), ("SLURM_NTASKS", "7"), ("SLURM_LOCALID", "0"), ("SLURM_TASKS_PER_NODE", "2(x3),1"), ("SLURM_NODEID", "3"));
        Assert.Equal(new LauncherEnvironment("srun (Slurm)", 6, 7, 0, 1), env);
        var second = From(("SLURM_PROCID", "3"), ("SLURM_NTASKS", "7"), ("SLURM_LOCALID", "1"), ("SLURM_TASKS_PER_NODE", "2(x3),1"), ("SLURM_NODEID", "1"));
        Assert.Equal(2, second.LocalWorldSize);
    }

    [Fact]
    public void NoLauncherSaysNothing()
    {
        Assert.Equal(new LauncherEnvironment("none", null, null, null, null), From());
    }
}
