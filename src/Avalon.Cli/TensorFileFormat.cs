namespace Avalon.Cli;

/// <summary>The tensor file formats <c>avalon convert</c> and <c>avalon inspect</c> know, by their command-line names.</summary>
internal enum TensorFileFormat
{
    /// <summary><c>pt</c>: a PyTorch <c>torch.save</c> file (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>).</summary>
    Pt,

    /// <summary><c>safetensors</c>: one safetensors file.</summary>
    Safetensors,

    /// <summary><c>sharded</c>: a sharded safetensors checkpoint, named by its index (<c>*.safetensors.index.json</c>).</summary>
    Sharded,

    /// <summary><c>checkpoint</c>: an Avalon training checkpoint (a safetensors file with Avalon's metadata).</summary>
    Checkpoint,

    /// <summary><c>onnx</c>: an ONNX model, whose initialisers are its tensors (read only).</summary>
    Onnx,
}
