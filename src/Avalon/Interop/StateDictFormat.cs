namespace Avalon.Interop;

/// <summary>The file formats <see cref="StateDictFile"/> reads and writes a state dict in.</summary>
public enum StateDictFormat
{
    /// <summary>PyTorch's <c>torch.save</c> file (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>), through <see cref="Torch.TorchFile"/>.</summary>
    Torch,

    /// <summary>One safetensors file (<c>.safetensors</c>), through <see cref="Safetensors.SafetensorsFile"/>.</summary>
    Safetensors,

    /// <summary>A sharded safetensors checkpoint: its index (<c>*.safetensors.index.json</c>) and the shards it names.</summary>
    ShardedSafetensors,
}
