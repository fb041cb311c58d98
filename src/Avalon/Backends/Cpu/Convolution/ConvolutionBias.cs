using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The per-channel bias of a (transposed) convolution on [N, C, plane] data: its broadcast add and its
/// gradient, the sum over the batch and the spatial positions.
/// </summary>
internal static class ConvolutionBias
{
    /// <summary>Adds bias[c] to every element of channel c of <paramref name="data"/> ([batch, channels, plane]).</summary>
    public static void Add<T>(ReadOnlySpan<T> bias, int batch, int channels, int plane, Span<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
        {
            Span<T> p = data.Slice((n * channels + c) * plane, plane);
            TensorPrimitives.Add(p, bias[c], p);
        }
    }

    /// <summary>
    /// gradBias[c] = Σ over n and positions of gradOutput[n, c, position]; gradOutput is [batch, channels, plane].
    /// The gradient buffer is overwritten.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> gradOutput, int batch, int channels, int plane, Span<T> gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gradOutput.Length != (long)batch * channels * plane || gradBias.Length != channels)
            throw new ArgumentException(
                $"convolution bias gradient: expected grad_output of {(long)batch * channels * plane} elements " +
                $"([{batch}, {channels}, {plane}]) and grad_bias of {channels}, got {gradOutput.Length} and {gradBias.Length}.");
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int n = 0; n < batch; n++) sum += TensorPrimitives.Sum(gradOutput.Slice((n * channels + c) * plane, plane));
            gradBias[c] = sum;
        }
    }

    /// <summary>Bias gradient of the convolution <paramref name="g"/>: gradOutput [N, Cout, ...] summed to [Cout].</summary>
    public static void Backward<T>(in ConvGeometry g, ReadOnlySpan<T> gradOutput, Span<T> gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Backward(gradOutput, g.Batch, g.OutChannels, g.OutputPlane, gradBias);
}
