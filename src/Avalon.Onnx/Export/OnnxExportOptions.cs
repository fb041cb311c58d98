namespace Avalon.Onnx.Export;

/// <summary>How <see cref="OnnxExport"/> writes a model.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The graph inputs' names, in argument order (default <c>input</c> for one input, else <c>input_0</c>, <c>input_1</c>, ...).</summary>
    public IReadOnlyList<string>? InputNames { get; init; }

    /// <summary>The graph outputs' names, in order (default <c>output</c> for one output, else <c>output_0</c>, ...).</summary>
    public IReadOnlyList<string>? OutputNames { get; init; }

    /// <summary>
    /// Makes the first dimension of every input a symbolic <c>batch</c> dimension: the function is traced at two
    /// batch sizes and every size, index or shape that follows the batch is computed in the graph from the
    /// input's shape instead of being written as a number.
    /// </summary>
    public bool DynamicBatch { get; init; }

    /// <summary>Names for captured tensors of a traced function (a module's parameters and buffers are named by their state-dict keys).</summary>
    public IReadOnlyDictionary<string, Tensor>? NamedTensors { get; init; }

    /// <summary>The graph's name (default <c>avalon</c>).</summary>
    public string GraphName { get; init; } = "avalon";
}
