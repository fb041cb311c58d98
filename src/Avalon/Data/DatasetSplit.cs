namespace Avalon.Data;

/// <summary>Which part of a dataset to load (like <c>train=True/False</c> in torchvision).</summary>
public enum DatasetSplit
{
    /// <summary>The training split (60,000 images for MNIST and Fashion-MNIST).</summary>
    Train,

    /// <summary>The test split (10,000 images for MNIST and Fashion-MNIST).</summary>
    Test,
}
