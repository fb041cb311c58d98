namespace Avalon.Backends.Cpu.Indexing;

/// <summary>The errors raised when an index tensor holds a value outside the dimension it indexes.</summary>
internal static class IndexErrors
{
    /// <summary>
    /// An <see cref="ArgumentOutOfRangeException"/> like PyTorch's "index 5 is out of bounds for dimension 1
    /// with size 3", prefixed with the operation and followed by the shapes involved and the valid range.
    /// </summary>
    public static ArgumentOutOfRangeException OutOfRange(string op, long index, int dim, int size, Shape input, Shape indexShape) =>
        new("index", index,
            $"{op}: index {index} is out of bounds for dimension {dim} with size {size} " +
            $"(input shape {input}, index shape {indexShape}); indices must lie in [0, {size}).");

    /// <summary>
    /// An <see cref="ArgumentOutOfRangeException"/> for a value read from an index tensor, naming the
    /// operation, the value and the valid range (the message is given whole by the caller).
    /// </summary>
    public static ArgumentOutOfRangeException OutOfRange(string paramName, long value, string message) => new(paramName, value, message);
}
