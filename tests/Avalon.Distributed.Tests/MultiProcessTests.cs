namespace Avalon.Distributed.Tests;

/// <summary>Two processes under mpirun, running the scenarios of the test host.</summary>
public sealed class MultiProcessTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    [MpiFact]
    public void CollectivesGiveTheValuesWorkedOutFromTheRanksAndMpiErrorsCarryMpisString()
    {
        var result = MpiRun.Run(2, JobTimeout, "collectives");
        Assert.True(result.ExitCode == 0, result.ToString());
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal("ok", result.Value(rank, "collectives"));
            Assert.Equal("2", result.Value(rank, "size"));
            // Open MPI's own text for MPI_ERR_ROOT, through MPI_Error_string.
            var error = result.Value(rank, "mpi_error");
            Assert.StartsWith("MPI_Bcast failed", error);
            Assert.Contains("root", error, StringComparison.OrdinalIgnoreCase);
        }
    }

    [MpiFact]
    public void TwoProcessesOnHalfBatchesMatchOneProcessOnTheWholeBatchAfterTwentySteps()
    {
        var result = MpiRun.Run(2, JobTimeout, "equivalence");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Number(0, "buckets") >= 2, "the scenario should exercise several buckets");
        for (int rank = 0; rank < 2; rank++)
        {
            // Replicas stay identical bit for bit (rank 1 started from other weights: the broadcast fixed them).
            Assert.Equal(0.0, result.Number(rank, "max_abs_diff_between_ranks"));
            // Same parameters as the single process to float32 rounding, after the weights moved by far more.
            Assert.True(result.Number(rank, "max_abs_diff_vs_single") < 1e-5, result.ToString());
            Assert.True(result.Number(rank, "max_abs_change_from_initial") > 0.05, result.ToString());
        }
    }

    [MpiFact]
    public void NoSyncAccumulatesLocallyAndTheNextBackwardAveragesTheSum()
    {
        var result = MpiRun.Run(2, JobTimeout, "no-sync");
        Assert.True(result.ExitCode == 0, result.ToString());
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal(1.0, result.Number(rank, "synchronizations"));
            Assert.True(result.Number(rank, "max_abs_grad_diff") < 1e-6, result.ToString());
        }
    }

    [MpiFact]
    public void SyncBatchNormOnHalfBatchesMatchesBatchNormOnTheWholeBatchInOutputsRunningStatisticsAndGradients() =>
        AssertSyncBatchNormMatchesBatchNorm(2, ["4", "4"]);

    [MpiFact]
    public void SyncBatchNormOnThreeUnevenPartsMatchesBatchNormOnTheWholeBatch() =>
        AssertSyncBatchNormMatchesBatchNorm(3, ["2", "3", "3"]);

    private static void AssertSyncBatchNormMatchesBatchNorm(int processes, string[] rows)
    {
        var result = MpiRun.Run(processes, JobTimeout, "sync-batchnorm");
        Assert.True(result.ExitCode == 0, result.ToString());
        for (int rank = 0; rank < processes; rank++)
        {
            Assert.Equal(rows[rank], result.Value(rank, "rows"));
            Assert.Equal("2", result.Value(rank, "sync_layers"));
            Assert.Equal("yes", result.Value(rank, "same_state_keys"));
            Assert.Equal("3", result.Value(rank, "num_batches_tracked"));
            // Every step, against one process with BatchNorm on the whole batch of 8.
            Assert.True(result.Number(rank, "max_abs_output_diff") < 1e-5, result.ToString());
            Assert.True(result.Number(rank, "max_abs_running_stats_diff") < 1e-5, result.ToString());
            Assert.True(result.Number(rank, "max_abs_grad_diff") < 1e-5, result.ToString());
            Assert.True(result.Number(rank, "max_abs_eval_output_diff") < 1e-5, result.ToString());
            // The gradients compared are not vanishing (the BatchNorm weights' included).
            Assert.True(result.Number(rank, "max_abs_grad") > 1e-2, result.ToString());
            Assert.True(result.Number(rank, "min_batchnorm_weight_grad") > 1e-3, result.ToString());
        }
    }

    [MpiFact]
    public void FitsCompiledStepUnderDdpGivesTheEagerLoopsParametersAndLosses()
    {
        var result = MpiRun.Run(2, JobTimeout, "fit-compiled");
        Assert.True(result.ExitCode == 0, result.ToString());
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal("no", result.Value(rank, "compiled_fell_back"));
            Assert.True(result.Number(rank, "max_abs_diff_parameters") < 1e-5, result.ToString());
            Assert.True(result.Number(rank, "max_abs_diff_losses") < 1e-5, result.ToString());
        }
    }

    [MpiFact]
    public void FitReducesMetricsSavesFromRankZeroOnlyAndStopsTogether()
    {
        string directory = Directory.CreateTempSubdirectory("avalon-ddp-fit").FullName;
        try
        {
            var result = MpiRun.Run(2, JobTimeout, "fit", directory);
            Assert.True(result.ExitCode == 0, result.ToString());
            for (int rank = 0; rank < 2; rank++)
            {
                // Rank 1 alone asked to stop after epoch 3; both stopped there.
                Assert.Equal("3", result.Value(rank, "epochs_run"));
                Assert.Equal(0.0, result.Number(rank, "max_abs_diff_between_ranks"));
                Assert.Equal(result.Value(rank, "loss_rank0"), result.Value(rank, "loss_rank1"));
                Assert.Equal(result.Value(rank, "val_loss_rank0"), result.Value(rank, "val_loss_rank1"));
                Assert.Equal("1,0", result.Value(rank, "saved_by_rank"));
            }
            Assert.Equal(3, Directory.GetFiles(directory, "fit-*.safetensors").Length);
            // Progress comes from rank 0 only: one line per epoch end.
            Assert.Equal(3, result.Output.Split('\n').Count(l => l.Contains(" done in ", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [MpiFact]
    public void ARankThatStopsCallingCollectivesMakesTheOthersTimeOutAndAbortInsteadOfHanging()
    {
        // Rank 1 sleeps for two minutes; rank 0's all-reduce has a 3 s deadline.
        var result = MpiRun.Run(2, JobTimeout, "hang");
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), result.ToString());
        Assert.Contains("did not complete within 3 s on rank 0 of 2", result.Errors + result.Output);
        Assert.DoesNotContain("unexpected", result.Output);
    }

    [MpiFact]
    public void ARankThatFailsMakesTheJobExitWithItsError()
    {
        var result = MpiRun.Run(2, JobTimeout, "crash");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rank 1 failed on purpose", result.Errors + result.Output);
        Assert.DoesNotContain("unexpected", result.Output);
    }
}
