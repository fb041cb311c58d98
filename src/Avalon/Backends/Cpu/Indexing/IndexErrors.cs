namespace Avalon.Backends.Cpu.Indexing;

/// <summary>The errors raised when an index tensor holds a value outside the dimension it indexes.</summary>
internal static class IndexErrors
{
    /// <summary>
    /// An <see cref="IndexOutOfRangeException"/> like PyTorch's "index 5 is out of bounds for dimension 1
    /// with size 3", prefixed with the operation and followed by the shapes involved.
    /// </summary>
    public static IndexOutOfRangeException OutOfRange(string op, long index, int dim, int size, Shape input, Shape indexShape) =>
        new($"{op}: index {index} is out of bounds for dimension {dim} with size {size} " +
            $"(input shape {input}, index shape {indexShape}); indices must lie in [0, {size}).");
}
