using System.Numerics;

namespace Avalon.Backends.Cpu.Upsampling;

/// <summary>
/// The source positions and weights of one spatial axis of an interpolation, computed as PyTorch 1.13
/// does (UpSample.h): nearest takes floor(dst · scale) clamped to the input; linear takes
/// src = scale · dst (align_corners) or max(scale · (dst + 0.5) − 0.5, 0), the two neighbours
/// floor(src) and floor(src) + 1 (kept inside the input) and weights 1 − λ, λ. The scale is 1 / scale_factor
/// when a scale factor was given and in / out otherwise ((in − 1) / (out − 1) with align_corners).
/// </summary>
internal sealed class InterpolationAxis<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private InterpolationAxis(int input, int output)
    {
        Input = input;
        Output = output;
        Index0 = new int[output];
        Offset = new int[output];
        Lambda0 = new T[output];
        Lambda1 = new T[output];
    }

    /// <summary>Input size along the axis.</summary>
    public int Input { get; }

    /// <summary>Output size along the axis.</summary>
    public int Output { get; }

    /// <summary>First (or only) source position of each output position.</summary>
    public int[] Index0 { get; }

    /// <summary>Distance from the first to the second source position (0 or 1; always 0 for nearest).</summary>
    public int[] Offset { get; }

    /// <summary>Weight of the first source position.</summary>
    public T[] Lambda0 { get; }

    /// <summary>Weight of the second source position.</summary>
    public T[] Lambda1 { get; }

    /// <summary>Whether any output position reads two source positions.</summary>
    public bool HasSecondTap { get; private set; }

    /// <summary>Whether every output position copies one source position with weight 1 (nearest, identity).</summary>
    public bool IsSingleTap { get; private set; }

    /// <summary>An axis that keeps its single position (leading axes of 1-d and 2-d problems).</summary>
    public static InterpolationAxis<T> Identity()
    {
        var axis = new InterpolationAxis<T>(1, 1) { IsSingleTap = true };
        axis.Lambda0[0] = T.One;
        return axis;
    }

    /// <summary>PyTorch's compute_scales_value: 1 / scale_factor when given (&gt; 0), else in / out.</summary>
    private static T Scale(int input, int output, double scaleFactor) =>
        scaleFactor > 0 ? T.CreateTruncating(1.0 / scaleFactor) : T.CreateTruncating(input) / T.CreateTruncating(output);

    /// <summary>Nearest-neighbour source positions (PyTorch's nearest_idx).</summary>
    public static InterpolationAxis<T> Nearest(int input, int output, double scaleFactor)
    {
        var axis = new InterpolationAxis<T>(input, output) { IsSingleTap = true };
        T scale = Scale(input, output, scaleFactor);
        for (int i = 0; i < output; i++)
        {
            axis.Index0[i] = output == input ? i
                : output == 2 * input ? i >> 1
                : Math.Min(int.CreateTruncating(T.Floor(T.CreateTruncating(i) * scale)), input - 1);
            axis.Lambda0[i] = T.One;
        }
        return axis;
    }

    /// <summary>Linear interpolation positions and weights (PyTorch's compute_indices_weights_linear).</summary>
    public static InterpolationAxis<T> Linear(int input, int output, double scaleFactor, bool alignCorners)
    {
        var axis = new InterpolationAxis<T>(input, output);
        T scale = alignCorners
            ? output > 1 ? T.CreateTruncating(input - 1) / T.CreateTruncating(output - 1) : T.Zero
            : Scale(input, output, scaleFactor);
        T half = T.CreateTruncating(0.5);
        for (int i = 0; i < output; i++)
        {
            T src = alignCorners ? scale * T.CreateTruncating(i) : T.Max(scale * (T.CreateTruncating(i) + half) - half, T.Zero);
            int i0 = Math.Min(int.CreateTruncating(T.Floor(src)), input - 1);
            T lambda = T.Clamp(src - T.CreateTruncating(i0), T.Zero, T.One);
            axis.Index0[i] = i0;
            axis.Offset[i] = i0 < input - 1 ? 1 : 0;
            axis.Lambda1[i] = lambda;
            axis.Lambda0[i] = T.One - lambda;
            axis.HasSecondTap |= axis.Offset[i] != 0;
        }
        return axis;
    }
}
