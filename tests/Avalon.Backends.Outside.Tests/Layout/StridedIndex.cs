namespace Avalon.Backends.Outside.Tests.Layout;

/// <summary>The storage index of every element of a view (shape, strides, offset), in row-major order.</summary>
internal static class StridedIndex
{
    public static int[] Of(Tensor view)
    {
        var shape = view.Shape.ToArray();
        var strides = view.Strides;
        int n = view.Numel;
        var result = new int[n];
        if (n == 0) return result;
        var counter = new int[shape.Length];
        int position = view.Offset;
        for (int i = 0; i < n; i++)
        {
            result[i] = position;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                counter[d]++;
                position += strides[d];
                if (counter[d] < shape[d]) break;
                position -= strides[d] * shape[d];
                counter[d] = 0;
            }
        }
        return result;
    }
}
