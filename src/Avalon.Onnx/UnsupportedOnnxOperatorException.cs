namespace Avalon.Onnx;

/// <summary>
/// An ONNX node uses an operator (or an operator feature) that the importer does not implement.
/// The message names the operator, the node and the opset.
/// </summary>
public sealed class UnsupportedOnnxOperatorException : NotSupportedException
{
    /// <summary>Creates the exception for operator <paramref name="opType"/> of node <paramref name="nodeName"/>.</summary>
    public UnsupportedOnnxOperatorException(string opType, string domain, string nodeName, long opset, string? detail = null)
        : base($"ONNX operator '{(domain.Length == 0 ? "" : domain + ".")}{opType}' (node '{nodeName}', opset {opset}) is not supported{(detail is null ? "" : ": " + detail)}.")
    {
        OpType = opType;
        Domain = domain;
        NodeName = nodeName;
        Opset = opset;
    }

    /// <summary>The operator, e.g. <c>NonMaxSuppression</c>.</summary>
    public string OpType { get; }

    /// <summary>The operator's domain (empty for the default <c>ai.onnx</c> domain).</summary>
    public string Domain { get; }

    /// <summary>The node's name (or its first output when unnamed).</summary>
    public string NodeName { get; }

    /// <summary>The opset version of the operator's domain in the model.</summary>
    public long Opset { get; }
}
