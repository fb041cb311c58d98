using System.Globalization;
using Avalon.Autodiff;
using Avalon.Optim;
using Avalon.Samples.Common;

namespace Avalon.Samples.RealNvp;

/// <summary>Fits a RealNVP flow to two moons and draws the learned density and samples.</summary>
public static class RealNvpSample
{
    private const double XMin = -1.5, XMax = 2.5, YMin = -1.0, YMax = 1.5;

    /// <summary>Runs the sample: <c>--quick</c>, <c>--steps N</c>, <c>--couplings N</c>, <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>.</summary>
    public static int Run(string[] args)
    {
        var o = new SampleArgs(args, Path.Combine("runs", "realnvp"), ["steps", "couplings"]);
        int steps = o.Int("steps", 3000, 20);
        Generator.ManualSeed(o.Seed);
        var data = new Generator(o.Seed);
        var train = TwoMoons.Sample(o.Quick ? 512 : 8192, 0.05, data);
        var validation = TwoMoons.Sample(2048, 0.05, data);
        var flow = new RealNvpFlow(o.Int("couplings", 8, 4));
        Console.WriteLine(flow);
        var optimizer = new Adam(flow.Parameters(), lr: 1e-3);
        var batches = new Generator(o.Seed + 1);
        var c = CultureInfo.InvariantCulture;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            var index = Tensor.RandInt(0, train.Size(0), [256], batches);
            var batch = train.IndexSelect(0, index);
            optimizer.ZeroGrad();
            var loss = -flow.LogProb(batch).Mean();
            loss.Backward();
            optimizer.Step();
            if (step % Math.Max(1, steps / 10) == 0 || step == steps)
            {
                double val;
                using (new NoGrad()) val = -flow.LogProb(validation).Mean().Item();
                Console.WriteLine(string.Create(c, $"step {step}/{steps}: train NLL {loss.Item():F3}  validation NLL {val:F3} nats/point  ({watch.Elapsed.TotalSeconds:F0} s)"));
            }
        }

        Directory.CreateDirectory(o.OutputDirectory);
        using (new NoGrad())
        {
            var density = Path.Combine(o.OutputDirectory, "density.png");
            DensityPicture(flow, validation).Save(density);
            var samples = Path.Combine(o.OutputDirectory, "samples.png");
            ScatterPicture(flow.Sample(2048, new Generator(o.Seed + 2)), validation).Save(samples);
            Console.WriteLine($"pictures: {density} (learned density p(x), validation points in white), {samples} (2,048 flow samples in orange, validation points in blue)");
        }
        return 0;
    }

    private const int Side = 256, Margin = 24;

    private static Canvas DensityPicture(RealNvpFlow flow, Tensor points)
    {
        int w = Side * 8 / 5; // the x range is 1.6 times the y range
        var grid = new float[w * Side * 2];
        for (int row = 0; row < Side; row++)
        for (int col = 0; col < w; col++)
        {
            grid[2 * (row * w + col)] = (float)(XMin + (col + 0.5) / w * (XMax - XMin));
            grid[2 * (row * w + col) + 1] = (float)(YMax - (row + 0.5) / Side * (YMax - YMin));
        }
        var p = flow.LogProb(Tensor.From(grid, w * Side, 2)).Exp().ToDoubleArray();
        double max = p.Max();
        var canvas = new Canvas(w, Side + Margin);
        canvas.DrawText(4, 6, string.Create(CultureInfo.InvariantCulture, $"REALNVP DENSITY (MAX {max:0.00})"));
        for (int row = 0; row < Side; row++)
        for (int col = 0; col < w; col++) canvas.Set(col, Margin + row, Colormap.Viridis(p[row * w + col] / max));
        var xy = points.ToArray<float>();
        for (int i = 0; i < Math.Min(300, xy.Length / 2); i++)
        {
            var (px, py) = ToPixel(xy[2 * i], xy[2 * i + 1], w);
            canvas.Set(px, Margin + py, (255, 255, 255));
        }
        return canvas;
    }

    private static Canvas ScatterPicture(Tensor samples, Tensor reference)
    {
        int w = Side * 8 / 5;
        var canvas = new Canvas(w, Side + Margin);
        canvas.DrawText(4, 6, "FLOW SAMPLES (ORANGE), DATA (BLUE)");
        void Plot(Tensor t, (byte, byte, byte) color)
        {
            var xy = t.ToArray<float>();
            for (int i = 0; i < xy.Length / 2; i++)
            {
                var (px, py) = ToPixel(xy[2 * i], xy[2 * i + 1], w);
                if (py < 0 || py >= Side) continue;
                canvas.Fill(px, Margin + py, 2, 2, color);
            }
        }
        Plot(reference, (31, 119, 180));
        Plot(samples, (255, 127, 14));
        return canvas;
    }

    private static (int X, int Y) ToPixel(float x, float y, int w) =>
        ((int)((x - XMin) / (XMax - XMin) * w), (int)((YMax - y) / (YMax - YMin) * Side));
}
