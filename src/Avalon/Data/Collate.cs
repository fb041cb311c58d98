namespace Avalon.Data;

/// <summary>
/// Stacks samples into a batch (PyTorch's <c>default_collate</c> for tensors): field <c>f</c> of
/// every sample is copied, as one block of memory, into row <c>b</c> of a new tensor
/// <c>[batch, ...]</c>.
/// </summary>
internal static class Collate
{
    public static Tensor[] Stack(Sample[] samples, int[] indices)
    {
        var first = samples[0];
        var fields = new Tensor[first.Count];
        for (int f = 0; f < fields.Length; f++)
        {
            var reference = first[f];
            int size = reference.Numel;
            var batch = HostTensors.NewArray(reference.DType, samples.Length * size);
            var target = HostTensors.BytesOf(batch);
            int bytes = size * reference.DType.SizeOf();
            for (int b = 0; b < samples.Length; b++)
            {
                var sample = samples[b];
                if (sample.Count != fields.Length)
                    throw OpErrors.State(
                        "DataLoader", $"sample {indices[b]} has {sample.Count} tensors but sample {indices[0]} has {fields.Length}; every sample of a dataset must have the same fields.");
                var t = sample[f];
                if (t.DType != reference.DType || !t.Shape.Equals(reference.Shape))
                    throw OpErrors.State(
                        "DataLoader", $"cannot stack field {f}: sample {indices[b]} has shape {t.Shape} ({t.DType.Name()}) but sample {indices[0]} has shape {reference.Shape} ({reference.DType.Name()}); all samples in a batch must match.");
                HostTensors.Bytes(t).CopyTo(target.Slice(b * bytes, bytes));
            }
            fields[f] = HostTensors.Wrap(batch, reference.DType, [samples.Length, .. reference.Shape.ToArray()]);
        }
        return fields;
    }
}
