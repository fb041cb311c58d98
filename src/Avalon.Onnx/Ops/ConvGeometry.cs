namespace Avalon.Onnx.Ops;

/// <summary>The spatial attributes shared by Conv, ConvTranspose and the pools, with ONNX's defaults and auto_pad rules.</summary>
internal sealed class OnnxWindow
{
    public required int[] Kernel { get; init; }
    public required int[] Strides { get; init; }
    public required int[] Dilations { get; init; }
    public required int[] PadBegin { get; init; }
    public required int[] PadEnd { get; init; }

    public int Rank => Kernel.Length;

    public bool Symmetric => PadBegin.AsSpan().SequenceEqual(PadEnd);

    public bool AnyPad => PadBegin.Any(p => p != 0) || PadEnd.Any(p => p != 0);

    /// <summary>Reads kernel_shape (or the weight's trailing dims), strides, dilations, pads and auto_pad.</summary>
    public static OnnxWindow Read(OnnxOpContext c, int[] inputSpatial, int[]? kernelFromWeight, bool ceilMode = false)
    {
        int rank = inputSpatial.Length;
        var kernel = c.Ints("kernel_shape") is { } ks ? OnnxShapes.Dims(ks, c.Op) : kernelFromWeight
            ?? throw new ArgumentException($"{c.Op}: kernel_shape is required.");
        var strides = c.Ints("strides") is { Length: > 0 } s ? OnnxShapes.Dims(s, c.Op) : Enumerable.Repeat(1, rank).ToArray();
        var dilations = c.Ints("dilations") is { Length: > 0 } d ? OnnxShapes.Dims(d, c.Op) : Enumerable.Repeat(1, rank).ToArray();
        var begin = new int[rank];
        var end = new int[rank];
        string autoPad = c.String("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int i = 0; i < rank; i++)
            {
                int output = (inputSpatial[i] + strides[i] - 1) / strides[i];
                int total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inputSpatial[i]);
                int small = total / 2;
                begin[i] = autoPad == "SAME_UPPER" ? small : total - small;
                end[i] = total - begin[i];
            }
        }
        else if (autoPad is "NOTSET" && c.Ints("pads") is { Length: > 0 } pads)
        {
            for (int i = 0; i < rank; i++)
            {
                begin[i] = (int)pads[i];
                end[i] = (int)pads[i + rank];
            }
        }
        else if (autoPad is not ("NOTSET" or "VALID"))
        {
            throw new ArgumentException($"{c.Op}: unknown auto_pad '{autoPad}'.");
        }
        return new OnnxWindow { Kernel = kernel, Strides = strides, Dilations = dilations, PadBegin = begin, PadEnd = end };
    }

    /// <summary>Pads the spatial dims of an [N, C, *spatial] tensor explicitly.</summary>
    public Tensor PadInput(Tensor x, double value, OnnxOpContext c)
    {
        var pads = new long[2 * x.Rank];
        for (int i = 0; i < Rank; i++)
        {
            pads[2 + i] = PadBegin[i];
            pads[x.Rank + 2 + i] = PadEnd[i];
        }
        return ShapeOps.PadTensor(x, pads, "constant", value, c);
    }
}
