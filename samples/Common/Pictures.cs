namespace Avalon.Samples.Common;

/// <summary>Pictures the image samples share.</summary>
public static class Pictures
{
    /// <summary>
    /// Eight images (row "originals"), their reconstructions (row "reconstructions") and sixteen decodings
    /// of codes drawn from N(0, I) (rows "samples"), labelled, as the VAE samples draw them.
    /// </summary>
    /// <param name="images">Where the originals come from (the first eight samples).</param>
    /// <param name="reconstruct">Images <c>[N, 1, 28, 28]</c> to reconstructions <c>[N, 784]</c>.</param>
    /// <param name="decode">Codes <c>[N, latent]</c> to images <c>[N, 784]</c>.</param>
    /// <param name="latent">The code size.</param>
    /// <param name="generator">Draws the codes.</param>
    /// <param name="title">The picture's title.</param>
    public static ImageGrid ReconstructionsAndSamples(Avalon.Data.IDataset images, Func<Tensor, Tensor> reconstruct, Func<Tensor, Tensor> decode,
        int latent, Generator generator, string title)
    {
        var originals = FashionData.Images(images, 8);
        int n = originals.Size(0);
        var reconstructions = reconstruct(originals);
        var samples = decode(Tensor.Randn([16, latent], generator));
        var grid = new ImageGrid(8, 4, 28, ["ORIGINALS", "RECONSTRUCTIONS", "SAMPLES"], title);
        for (int i = 0; i < n; i++)
        {
            grid.Put(0, i, originals[i].Reshape(784).ToArray<float>());
            grid.Put(1, i, reconstructions[i].ToArray<float>());
        }
        for (int i = 0; i < 16; i++) grid.Put(2 + i / 8, i % 8, samples[i].ToArray<float>());
        grid.Label(0, "ORIGINALS");
        grid.Label(1, "RECONSTRUCTIONS");
        grid.Label(2, "SAMPLES", rowCount: 2);
        return grid;
    }
}
