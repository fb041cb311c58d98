namespace Avalon.Training.Checkpoints;

/// <summary>
/// A checkpoint could not be loaded: the file is corrupt (a checksum does not match, the container
/// or its metadata is malformed, it was written by a newer Avalon) or its contents do not fit the
/// model, optimiser or scheduler given. Loading checks the whole file before it changes anything,
/// so when this is thrown the model's weights, the optimiser's state and hyperparameters and the
/// scheduler are exactly as they were.
/// </summary>
/// <remarks>
/// <para>
/// It derives from <see cref="IOException"/>: <see cref="InvalidDataException"/>, the natural base,
/// is sealed. When the container itself is damaged, <see cref="Exception.InnerException"/> is the
/// safetensors reader's <see cref="InvalidDataException"/>.
/// </para>
/// <para>
/// <see cref="Problems"/> lists every problem found (the message shows them all). When the model's
/// names, shapes or dtypes differ, <see cref="Exception.InnerException"/> is the
/// <see cref="Nn.StateDictMismatchException"/> with the missing and unexpected keys.
/// </para>
/// </remarks>
public class CheckpointException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The operation that failed, for example <c>Module.Load</c>.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="problems">Every problem found; at least one.</param>
    /// <param name="innerException">The underlying error, or <see langword="null"/>.</param>
    public CheckpointException(string operation, string path, IReadOnlyList<string> problems, Exception? innerException = null)
        : base(Format(operation, path, problems), innerException)
    {
        ArgumentNullException.ThrowIfNull(problems);
        Path = path;
        Problems = problems;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(string operation, string path, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        string head = $"{operation}: '{path}' cannot be loaded; nothing was changed.";
        return problems.Count switch
        {
            0 => head,
            1 => head + " " + problems[0],
            _ => head + $" {problems.Count} problems:\n  " + string.Join("\n  ", problems),
        };
    }
}
