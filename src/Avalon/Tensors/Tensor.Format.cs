using System.Globalization;
using System.Text;

namespace Avalon;

public sealed partial class Tensor
{
    private const int SummarizeThreshold = 1000;
    private const int EdgeItems = 3;

    /// <summary>Formats like PyTorch: <c>tensor([[1.0000, 2.5000], ...], dtype=float64, requires_grad=True)</c>.</summary>
    public override string ToString()
    {
        var values = ToDoubleArray();
        var fmt = ChooseFormat(values);
        var sb = new StringBuilder("tensor(");
        if (Rank == 0) sb.Append(fmt(values[0]));
        else AppendDim(sb, values, 0, 0, ShapeUtil.ContiguousStrides(_shape), fmt, Numel > SummarizeThreshold, 7);
        var extras = new List<string>();
        if (Numel == 0 && Rank != 1) extras.Add("size=" + Shape);
        if (DType is not (DType.Float32 or DType.Int64 or DType.Bool))
            extras.Add("dtype=" + DType.Name());
        if (Device.Type != DeviceType.Cpu) extras.Add($"device='{Device}'");
        if (GradFn is not null) extras.Add($"grad_fn=<{GradFn}>");
        else if (RequiresGrad) extras.Add("requires_grad=True");
        foreach (var e in extras) sb.Append(", ").Append(e);
        return sb.Append(')').ToString();
    }

    private Func<double, string> ChooseFormat(double[] values)
    {
        var inv = CultureInfo.InvariantCulture;
        if (DType == DType.Bool)
        {
            // Like PyTorch, every entry is padded to the widest word present.
            int width = values.Contains(0) ? 5 : 4;
            return v => (v != 0 ? "True" : "False").PadLeft(width);
        }
        if (!DType.IsFloatingPoint())
        {
            int width = values.Length == 0 ? 1 : values.Max(v => ((long)v).ToString(inv).Length);
            return v => ((long)v).ToString(inv).PadLeft(width);
        }
        var finite = values.Where(double.IsFinite).Select(Math.Abs).ToArray();
        bool integral = finite.All(v => v == Math.Floor(v));
        double max = finite.Length > 0 ? finite.Max() : 0, min = finite.Length > 0 ? finite.Where(v => v != 0).DefaultIfEmpty(0).Min() : 0;
        bool sci = finite.Length > 0 && (max >= 1e8 || (min != 0 && max / min > 1000 && !integral) || (min != 0 && min < 1e-4));
        Func<double, string> core = sci ? v => v.ToString("0.0000e+00", inv)
            : integral ? v => double.IsFinite(v) ? v.ToString("0", inv) + "." : Special(v)
            : v => double.IsFinite(v) ? v.ToString("0.0000", inv) : Special(v);
        int w = values.Length == 0 ? 1 : values.Max(v => core(v).Length);
        return v => core(v).PadLeft(w);
    }

    private static string Special(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";

    private void AppendDim(StringBuilder sb, double[] values, int dim, int offset, int[] strides, Func<double, string> fmt, bool summarize, int indent)
    {
        int n = _shape[dim];
        sb.Append('[');
        bool last = dim == Rank - 1;
        for (int i = 0; i < n; i++)
        {
            if (summarize && n > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(last ? "..., " : "...,\n" + new string(' ', indent + dim + 1));
                i = n - EdgeItems - 1;
                continue;
            }
            if (last) sb.Append(fmt(values[offset + i]));
            else AppendDim(sb, values, dim + 1, offset + i * strides[dim], strides, fmt, summarize, indent);
            if (i < n - 1)
            {
                sb.Append(',');
                if (last) sb.Append(' ');
                else sb.Append('\n', Rank - dim - 1).Append(' ', indent + dim + 1);
            }
        }
        sb.Append(']');
    }
}
