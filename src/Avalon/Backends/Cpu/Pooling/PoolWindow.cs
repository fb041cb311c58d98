using System.Numerics;
using System.Runtime.CompilerServices;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// The reductions over one window [d0, d1) × [h0, h1) × [w0, w1) of an input plane [D, H, W] that the
/// sliding-window and adaptive poolings share; they differ only in how they place the windows.
/// </summary>
internal static unsafe class PoolWindow
{
    /// <summary>
    /// The largest value of the window stepped by (<paramref name="dD"/>, <paramref name="dH"/>,
    /// <paramref name="dW"/>), NaN winning as in PyTorch, and its flat plane position in
    /// <paramref name="position"/>; an empty window gives −∞ at its first position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max<T>(T* x, int inH, int inW, int d0, int d1, int dD, int h0, int h1, int dH, int w0, int w1, int dW,
        out long position) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long best = ((long)d0 * inH + h0) * inW + w0;
        T bestValue = T.NegativeInfinity;
        for (int d = d0; d < d1; d += dD)
        for (int h = h0; h < h1; h += dH)
        {
            long rowStart = ((long)d * inH + h) * inW;
            for (int w = w0; w < w1; w += dW)
            {
                T v = x[rowStart + w];
                if (v > bestValue || T.IsNaN(v))
                {
                    bestValue = v;
                    best = rowStart + w;
                }
            }
        }
        position = best;
        return bestValue;
    }

    /// <summary>The sum of the window, in d, h, w order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(T* x, int inH, int inW, int d0, int d1, int h0, int h1, int w0, int w1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int d = d0; d < d1; d++)
        for (int h = h0; h < h1; h++)
        {
            T* row = x + ((long)d * inH + h) * inW;
            for (int w = w0; w < w1; w++) sum += row[w];
        }
        return sum;
    }

    /// <summary>Adds <paramref name="share"/> to every element of the window (the adjoint of <see cref="Sum{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Spread<T>(T* x, int inH, int inW, int d0, int d1, int h0, int h1, int w0, int w1, T share)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int d = d0; d < d1; d++)
        for (int h = h0; h < h1; h++)
        {
            T* row = x + ((long)d * inH + h) * inW;
            for (int w = w0; w < w1; w++) row[w] += share;
        }
    }
}
