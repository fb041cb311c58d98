namespace Avalon.Distributed;

/// <summary>The reduction of an all-reduce (MPI's predefined operations).</summary>
public enum MpiOp
{
    /// <summary><c>MPI_SUM</c>.</summary>
    Sum,

    /// <summary><c>MPI_MAX</c>.</summary>
    Max,

    /// <summary><c>MPI_MIN</c>.</summary>
    Min,
}
