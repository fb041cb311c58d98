using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// Rearranges [*, C·r², H, W] into [*, C, H·r, W·r] (PyTorch's <c>nn.PixelShuffle</c>), the sub-pixel
/// convolution's upscaling step.
/// </summary>
/// <remarks><para><b>Shape:</b> input [*, C·r², H, W]; output [*, C, H·r, W·r].</para></remarks>
public class PixelShuffle : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="upscaleFactor">r.</param>
    public PixelShuffle(int upscaleFactor) => UpscaleFactor = upscaleFactor;

    /// <summary>r.</summary>
    public int UpscaleFactor { get; }

    /// <summary>Rearranges the input.</summary>
    /// <param name="input">[*, C·r², H, W].</param>
    public override Tensor Forward(Tensor input) => PixelShuffle(input, UpscaleFactor);

    /// <inheritdoc />
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"upscale_factor={UpscaleFactor}");
}

/// <summary>The inverse of <see cref="PixelShuffle"/> (PyTorch's <c>nn.PixelUnshuffle</c>).</summary>
/// <remarks><para><b>Shape:</b> input [*, C, H·r, W·r]; output [*, C·r², H, W].</para></remarks>
public class PixelUnshuffle : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="downscaleFactor">r.</param>
    public PixelUnshuffle(int downscaleFactor) => DownscaleFactor = downscaleFactor;

    /// <summary>r.</summary>
    public int DownscaleFactor { get; }

    /// <summary>Rearranges the input.</summary>
    /// <param name="input">[*, C, H·r, W·r].</param>
    public override Tensor Forward(Tensor input) => PixelUnshuffle(input, DownscaleFactor);

    /// <inheritdoc />
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"downscale_factor={DownscaleFactor}");
}
