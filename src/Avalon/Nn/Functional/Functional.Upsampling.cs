using Avalon.Primitives;
using Avalon.Primitives.Upsampling;

namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>
    /// Resizes [N, C, *spatial] input (PyTorch's <c>interpolate</c>): give either <paramref name="size"/> or
    /// <paramref name="scaleFactor"/> (one value for every spatial dim or one per dim).
    /// </summary>
    /// <param name="input">[N, C, L], [N, C, H, W] or [N, C, D, H, W].</param>
    /// <param name="size">Output spatial size.</param>
    /// <param name="scaleFactor">Multiplier of the spatial size; the output size is floor(in · scale).</param>
    /// <param name="mode">"nearest", "linear" (3-D input), "bilinear" (4-D) or "trilinear" (5-D).</param>
    /// <param name="alignCorners">
    /// For the linear modes: true maps the corner pixels of input and output onto each other; false (default)
    /// maps their outer edges. Must be null for nearest.
    /// </param>
    /// <param name="recomputeScaleFactor">
    /// True computes the output size from the scale factor and then interpolates as if that size had been
    /// given; false or null (default) uses the scale factor itself for the source coordinates.
    /// </param>
    /// <returns>[N, C, *size].</returns>
    public static Tensor Interpolate(Tensor input, int[]? size = null, double[]? scaleFactor = null, string mode = "nearest",
        bool? alignCorners = null, bool? recomputeScaleFactor = null)
    {
        int rank = input.Rank - 2;
        if (rank is < 1 or > 3)
            throw OpErrors.Argument("interpolate", $"expected 3-D, 4-D or 5-D input ([N, C, *spatial]), got input of shape {input.Shape}.");
        bool linear = mode switch
        {
            "nearest" => false,
            "linear" or "bilinear" or "trilinear" => true,
            _ => throw OpErrors.Argument("interpolate", $"mode '{mode}' is not supported; use 'nearest', 'linear', 'bilinear' or 'trilinear'."),
        };
        if (linear && (mode == "linear" ? 1 : mode == "bilinear" ? 2 : 3) != rank)
            throw OpErrors.Argument("interpolate", $"mode '{mode}' expects {(mode == "linear" ? 3 : mode == "bilinear" ? 4 : 5)}-D input, got input of shape {input.Shape}.");
        if (!linear && alignCorners is not null)
            throw OpErrors.Argument("interpolate", "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear.");
        if ((size is null) == (scaleFactor is null))
            throw OpErrors.Argument("interpolate", "either size or scale_factor should be defined, not both and not neither.");

        var outputSize = new int[rank];
        var scales = new double[rank];
        if (size is not null)
        {
            outputSize = SizeArguments.Expand("interpolate", "size", size, rank, 0);
        }
        else
        {
            if (scaleFactor!.Length != 1 && scaleFactor.Length != rank)
                throw OpErrors.Argument("interpolate", $"expected scale_factor with 1 or {rank} values, got {scaleFactor.Length}.");
            for (int i = 0; i < rank; i++)
            {
                double s = scaleFactor[scaleFactor.Length == 1 ? 0 : i];
                if (!(s > 0))
                    throw OpErrors.Argument("interpolate", $"scale_factor must be positive, got {s}.");
                outputSize[i] = (int)Math.Floor(input.Shape[2 + i] * s);
                scales[i] = recomputeScaleFactor == true ? 0 : s;
            }
        }
        var attrs = linear
            ? Attributes.Of(("output_size", outputSize), ("scales", scales), ("align_corners", alignCorners ?? false))
            : Attributes.Of(("output_size", outputSize), ("scales", scales));
        return (linear ? UpsamplingPrimitives.Linear : UpsamplingPrimitives.Nearest).Invoke(attrs, input);
    }

    /// <summary>
    /// Rearranges [*, C·r², H, W] into [*, C, H·r, W·r] (PyTorch's <c>pixel_shuffle</c>): each block of r² channels
    /// becomes an r × r patch.
    /// </summary>
    /// <param name="input">[*, C·r², H, W].</param>
    /// <param name="upscaleFactor">r.</param>
    public static Tensor PixelShuffle(Tensor input, int upscaleFactor)
    {
        int r = upscaleFactor;
        if (input.Rank < 3)
            throw OpErrors.Argument("pixel_shuffle", $"expected input of at least 3 dims ([*, C, H, W]), got shape {input.Shape}.");
        if (r < 1) throw OpErrors.Argument("pixel_shuffle", $"upscale_factor must be positive, got {r}.");
        int c = input.Shape[-3], h = input.Shape[-2], w = input.Shape[-1];
        if (c % (r * r) != 0)
            throw OpErrors.Argument("pixel_shuffle", $"expected the channel dim ({c}) of input of shape {input.Shape} to be divisible by the square of upscale_factor ({r * r}).");
        var lead = input.Shape.ToArray()[..^3];
        int k = lead.Length;
        var x = input.Reshape([.. lead, c / (r * r), r, r, h, w]);
        int[] perm = [.. Enumerable.Range(0, k), k, k + 3, k + 1, k + 4, k + 2];
        return x.Permute(perm).Reshape([.. lead, c / (r * r), h * r, w * r]);
    }

    /// <summary>The inverse of <see cref="PixelShuffle"/>: [*, C, H·r, W·r] into [*, C·r², H, W] (PyTorch's <c>pixel_unshuffle</c>).</summary>
    /// <param name="input">[*, C, H·r, W·r].</param>
    /// <param name="downscaleFactor">r.</param>
    public static Tensor PixelUnshuffle(Tensor input, int downscaleFactor)
    {
        int r = downscaleFactor;
        if (input.Rank < 3)
            throw OpErrors.Argument("pixel_unshuffle", $"expected input of at least 3 dims ([*, C, H, W]), got shape {input.Shape}.");
        if (r < 1) throw OpErrors.Argument("pixel_unshuffle", $"downscale_factor must be positive, got {r}.");
        int c = input.Shape[-3], h = input.Shape[-2], w = input.Shape[-1];
        if (h % r != 0 || w % r != 0)
            throw OpErrors.Argument("pixel_unshuffle", $"expected height and width of input of shape {input.Shape} to be divisible by downscale_factor ({r}).");
        var lead = input.Shape.ToArray()[..^3];
        int k = lead.Length;
        var x = input.Reshape([.. lead, c, h / r, r, w / r, r]);
        int[] perm = [.. Enumerable.Range(0, k), k, k + 2, k + 4, k + 1, k + 3];
        return x.Permute(perm).Reshape([.. lead, c * r * r, h / r, w / r]);
    }
}
