using Avalon.Data;

namespace Avalon.Cli.Bench;

/// <summary>
/// One Fashion-MNIST split held whole as tensors, the way the PyTorch scripts hold it: images float32
/// [N, 1, 28, 28] scaled by 1/255, labels int64 [N]. Batches are drawn with <see cref="Batch(Tensor, long[], int, int, ref Tensor?)"/>
/// (an index_select of the images, like <c>X[idx]</c>, into a batch buffer the loop reuses).
/// </summary>
internal sealed class FashionTensors
{
    /// <summary>The folder of Debian's dataset-fashion-mnist package, where benchutil.py reads the data.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    private FashionTensors(Tensor images, Tensor labels, string source)
    {
        Images = images;
        Labels = labels;
        Source = source;
    }

    public Tensor Images { get; }

    public Tensor Labels { get; }

    public string Source { get; }

    public int Count => Images.Shape[0];

    /// <summary>Loads a split from <paramref name="directory"/> only (no other source, no sample fallback).</summary>
    public static FashionTensors Load(DatasetSplit split, string directory)
    {
        RawImageSet raw = FashionMnist.Load(split, new DatasetLoadOptions
        {
            Path = directory,
            AllowDownload = false,
            FallBackToEmbeddedSample = false,
        });
        // float32(byte) / float32(255), as numpy's x.astype(float32) / float32(255) in benchutil.py.
        var pixels = new float[raw.Images.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = raw.Images[i] / 255f;
        var labels = new long[raw.Labels.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = raw.Labels[i];
        return new FashionTensors(
            Tensor.From(pixels, raw.Count, 1, raw.Rows, raw.Columns), Tensor.From(labels, raw.Count), raw.SourceDescription);
    }

    /// <summary>The rows of <paramref name="tensor"/> named by <paramref name="order"/>[start .. start + length).</summary>
    public static Tensor Batch(Tensor tensor, long[] order, int start, int length) =>
        tensor.IndexSelect(0, Tensor.From(order[start..(start + length)]));

    /// <summary>
    /// Like <see cref="Batch(Tensor, long[], int, int)"/>, written into <paramref name="buffer"/> (made, or remade when
    /// the batch's shape or dtype changes): the training loop reuses one batch's memory, as PyTorch's allocator does,
    /// instead of touching a fresh array on every step. The previous batch in the buffer is overwritten.
    /// </summary>
    public static Tensor Batch(Tensor tensor, long[] order, int start, int length, ref Tensor? buffer)
    {
        int[] shape = tensor.Shape.ToArray();
        shape[0] = length;
        if (buffer is null || buffer.DType != tensor.DType || !buffer.Shape.ToArray().AsSpan().SequenceEqual(shape))
            buffer = Tensor.Zeros(shape, tensor.DType, tensor.Device);
        return tensor.IndexSelect(0, Tensor.From(order[start..(start + length)]), buffer);
    }

    /// <summary>A uniformly random permutation of 0 .. n-1 (Fisher–Yates; the counterpart of torch.randperm).</summary>
    public static long[] Permutation(int n, Generator generator)
    {
        var order = new long[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }
}
