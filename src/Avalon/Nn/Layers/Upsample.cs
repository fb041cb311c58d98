using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// Resizes [N, C, *spatial] input to a size or by a scale factor (PyTorch's <c>nn.Upsample</c>, which calls
/// <see cref="Functional.Interpolate"/>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, L], [N, C, H, W] or [N, C, D, H, W]; output [N, C, *size] with
/// size = floor(in · scale_factor) when a scale factor is given.</para>
/// </remarks>
public class Upsample : Module
{
    /// <summary>Creates the layer; give either <paramref name="size"/> or <paramref name="scaleFactor"/>.</summary>
    /// <param name="size">Output spatial size (one value for every dim or one per dim).</param>
    /// <param name="scaleFactor">Multiplier of the spatial size (one value or one per dim).</param>
    /// <param name="mode">"nearest" (default), "linear", "bilinear" or "trilinear".</param>
    /// <param name="alignCorners">For the linear modes: align the corner pixels (default false when null).</param>
    /// <param name="recomputeScaleFactor">Interpolate as if the computed output size had been given.</param>
    public Upsample(int[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null,
        bool? recomputeScaleFactor = null)
    {
        if ((size is null) == (scaleFactor is null))
            throw OpErrors.Argument("Upsample", "give either size or scale_factor, not both and not neither.");
        Size = size is null ? null : (int[])size.Clone();
        ScaleFactor = scaleFactor is null ? null : (double[])scaleFactor.Clone();
        Mode = mode;
        AlignCorners = alignCorners;
        RecomputeScaleFactor = recomputeScaleFactor;
    }

    /// <summary>Creates the layer with one scale factor for every spatial dim.</summary>
    /// <param name="scaleFactor">Multiplier of the spatial size.</param>
    /// <param name="mode">"nearest" (default), "linear", "bilinear" or "trilinear".</param>
    /// <param name="alignCorners">For the linear modes: align the corner pixels (default false when null).</param>
    public Upsample(double scaleFactor, string mode = "nearest", bool? alignCorners = null)
        : this(null, [scaleFactor], mode, alignCorners) { }

    /// <summary>The output size, or null when a scale factor is used.</summary>
    public int[]? Size { get; }

    /// <summary>The scale factor, or null when a size is used.</summary>
    public double[]? ScaleFactor { get; }

    /// <summary>The interpolation mode.</summary>
    public string Mode { get; }

    /// <summary>Whether corner pixels are aligned (linear modes).</summary>
    public bool? AlignCorners { get; }

    /// <summary>Whether the output size computed from the scale factor is used as if given.</summary>
    public bool? RecomputeScaleFactor { get; }

    /// <summary>Resizes the input.</summary>
    /// <param name="input">[N, C, *spatial].</param>
    public override Tensor Forward(Tensor input) =>
        Interpolate(input, Size, ScaleFactor, Mode, Mode == "nearest" ? null : AlignCorners ?? false, RecomputeScaleFactor);

    /// <inheritdoc />
    public override string ExtraRepr()
    {
        string info = ScaleFactor is not null
            ? "scale_factor=" + (ScaleFactor.Length == 1 ? PythonRepr.Float(ScaleFactor[0]) : "(" + string.Join(", ", ScaleFactor.Select(PythonRepr.Float)) + ")")
            : "size=" + (Size!.Length == 1 ? Size[0].ToString(CultureInfo.InvariantCulture) : PythonRepr.Tuple(Size));
        return info + ", mode=" + Mode;
    }
}
