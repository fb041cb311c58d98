using System.Numerics;
using Avalon.Primitives;
using Avalon.Primitives.Indexing;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// Padding modes in which every output element is a copy of one input element (reflect, replicate,
/// circular). Forward: out[i] = x[map(i)], per dim. Backward: gx[map(i)] += g[i], accumulating where
/// several outputs read one input. Both walk the output row by row with precomputed per-dim maps.
/// </summary>
internal static class IndexMapPadKernel
{
    /// <summary>The source index along one dim for each output index.</summary>
    public static int[] Map(PadIndexMode mode, int size, int before, int after)
    {
        var map = new int[size + before + after];
        for (int i = 0; i < map.Length; i++)
        {
            int s = i - before;
            map[i] = mode switch
            {
                PadIndexMode.Reflect => s < 0 ? -s : s >= size ? 2 * (size - 1) - s : s,
                PadIndexMode.Replicate => Math.Clamp(s, 0, size - 1),
                _ => ((s % size) + size) % size,
            };
        }
        return map;
    }

    /// <summary>Forward kernel for one mode.</summary>
    public static Kernel Forward(PadIndexMode mode) => (inputs, attributes, outputs) =>
    {
        var x = inputs[0].ContiguousNoGrad();
        var output = outputs[0];
        if (x.Rank == 0 || output.Numel == 0)
        {
            if (output.Numel > 0) output.Storage.Backend.Copy(x, output);
            return;
        }
        var visitor = new Visitor(x, output, Maps(mode, x.Shape.Dims, attributes.Ints("pads")));
        DTypeDispatch.Any(output.DType, ref visitor, mode switch { PadIndexMode.Reflect => "reflection_pad", PadIndexMode.Replicate => "replication_pad", _ => "circular_pad" });
    };

    /// <summary>Backward kernel for one mode: the gradient of the padded output summed back onto the input shape.</summary>
    public static Kernel Backward(PadIndexMode mode, string name) => (inputs, attributes, outputs) =>
    {
        var g = inputs[0].ContiguousNoGrad();
        var output = outputs[0];
        if (output.Numel == 0) return;
        if (g.Rank == 0)
        {
            output.Storage.Backend.Copy(g, output);
            return;
        }
        // Several padded positions read one input position: accumulate into a cleared output.
        output.Storage.Backend.Fill(output, 0);
        if (g.Numel == 0) return;
        var visitor = new Visitor(output, g, Maps(mode, output.Shape.Dims, attributes.Ints("pads")));
        DTypeDispatch.Numeric(output.DType, ref visitor, name);
    };

    // One map per dim of the input (identity for unpadded dims).
    private static int[][] Maps(PadIndexMode mode, int[] inputShape, int[] pads)
    {
        int rank = inputShape.Length;
        var maps = new int[rank][];
        for (int d = 0; d < rank; d++)
        {
            int p = rank - 1 - d;
            maps[d] = p < pads.Length / 2 ? Map(mode, inputShape[d], pads[2 * p], pads[2 * p + 1]) : Map(PadIndexMode.Replicate, inputShape[d], 0, 0);
        }
        return maps;
    }

    // Walks the dense padded tensor row by row; 'input' is dense with the unpadded shape. The element
    // visitor copies input -> padded (forward), the numeric one accumulates padded -> input (backward).
    private readonly struct Visitor(Tensor input, Tensor padded, int[][] maps) : IElementVisitor, INumericVisitor
    {
        void IElementVisitor.Visit<T>() => Walk<T, Assign<T>>();

        void INumericVisitor.Visit<T>() => Walk<T, Accumulate<T>>();

        private void Walk<T, TMove>() where T : unmanaged where TMove : struct, IMove<T>
        {
            var inSpan = input.ContiguousSpan<T>();
            var padSpan = padded.ContiguousSpan<T>();
            var inStrides = ShapeUtil.ContiguousStrides(input.Shape.Dims);
            int rank = maps.Length;
            var last = maps[rank - 1];
            int rowLength = last.Length, rows = padSpan.Length / rowLength;
            var position = new int[rank - 1];
            for (int r = 0; r < rows; r++)
            {
                int baseOffset = 0;
                for (int d = 0; d < rank - 1; d++) baseOffset += maps[d][position[d]] * inStrides[d];
                var row = padSpan.Slice(r * rowLength, rowLength);
                for (int j = 0; j < rowLength; j++) TMove.Move(ref inSpan[baseOffset + last[j]], ref row[j]);
                for (int d = rank - 2; d >= 0; d--)
                {
                    if (++position[d] < maps[d].Length) break;
                    position[d] = 0;
                }
            }
        }
    }

    private interface IMove<T> where T : unmanaged
    {
        static abstract void Move(ref T input, ref T padded);
    }

    private readonly struct Assign<T> : IMove<T> where T : unmanaged
    {
        public static void Move(ref T input, ref T padded) => padded = input;
    }

    private readonly struct Accumulate<T> : IMove<T> where T : unmanaged, INumber<T>
    {
        public static void Move(ref T input, ref T padded) => input += padded;
    }
}
