using System.Globalization;

namespace Avalon.Data.Transforms;

/// <summary>
/// Normalises each channel of an image: <c>output[c] = (input[c] - mean[c]) / std[c]</c>
/// (torchvision's <c>Normalize</c>). Channels are dimension -3 of <c>(..., C, H, W)</c>; a single
/// mean and std apply to every channel.
/// </summary>
/// <example><code>new Normalize([0.1307], [0.3081])   // the usual MNIST statistics</code></example>
public sealed class Normalize : ITransform
{
    private readonly double[] _mean;
    private readonly double[] _std;

    /// <summary>Creates the transform.</summary>
    /// <param name="mean">The mean per channel (or one for all).</param>
    /// <param name="std">The standard deviation per channel (or one for all); none may be zero.</param>
    /// <exception cref="ArgumentException">Empty arrays, lengths that differ, or a zero std.</exception>
    public Normalize(double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw OpErrors.Argument("Normalize", $"expected mean and std of the same non-zero length, got {mean.Length} and {std.Length}.");
        for (int i = 0; i < std.Length; i++)
        {
            if (std[i] == 0)
                throw OpErrors.Argument("Normalize", $"std evaluated to zero at channel {i}, leading to division by zero.", nameof(std));
        }
        _mean = (double[])mean.Clone();
        _std = (double[])std.Clone();
    }

    /// <summary>The mean per channel.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>The standard deviation per channel.</summary>
    public IReadOnlyList<double> Std => _std;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not a float tensor of rank ≥ 3, or its channel count does not match.</exception>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 3)
            throw OpErrors.Argument("Normalize", $"expected a tensor image of shape (..., C, H, W), got shape {input.Shape}; apply Normalize before Flatten.", nameof(input));
        int channels = input.Size(-3);
        if (_mean.Length != 1 && _mean.Length != channels)
            throw OpErrors.Argument("Normalize", $"{_mean.Length} means and stds given for an image with {channels} channels (shape {input.Shape}).", nameof(input));
        int plane = input.Size(-1) * input.Size(-2);
        return input.DType switch
        {
            DType.Float32 => HostTensors.Wrap(NormalizeFloat(HostTensors.Elements<float>(input), channels, plane), input.Shape.ToArray()),
            DType.Float64 => HostTensors.Wrap(NormalizeDouble(HostTensors.Elements<double>(input), channels, plane), input.Shape.ToArray()),
            _ => throw OpErrors.Argument("Normalize", $"expected a float32 or float64 tensor, got {input.DType.Name()}; convert with ToTensor first.", nameof(input)),
        };
    }

    private float[] NormalizeFloat(ReadOnlySpan<float> source, int channels, int plane)
    {
        var result = new float[source.Length];
        for (int start = 0, c = 0; start < source.Length; start += plane, c = (c + 1) % channels)
        {
            int k = _mean.Length == 1 ? 0 : c;
            // Subtract then divide in float32, as PyTorch does with float32 mean/std tensors.
            float m = (float)_mean[k], s = (float)_std[k];
            for (int i = start; i < start + plane; i++) result[i] = (source[i] - m) / s;
        }
        return result;
    }

    private double[] NormalizeDouble(ReadOnlySpan<double> source, int channels, int plane)
    {
        var result = new double[source.Length];
        for (int start = 0, c = 0; start < source.Length; start += plane, c = (c + 1) % channels)
        {
            int k = _mean.Length == 1 ? 0 : c;
            for (int i = start; i < start + plane; i++) result[i] = (source[i] - _mean[k]) / _std[k];
        }
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Normalize(mean=[{string.Join(", ", _mean)}], std=[{string.Join(", ", _std)}])");
}
