namespace Avalon.Samples.RealNvp;

/// <summary>
/// The two-moons toy distribution (as scikit-learn's <c>make_moons</c>): half circles
/// (cos θ, sin θ) and (1 − cos θ, ½ − sin θ) for θ uniform in [0, π], plus Gaussian noise.
/// </summary>
public static class TwoMoons
{
    /// <summary><paramref name="count"/> points <c>[count, 2]</c> with noise of standard deviation <paramref name="noise"/>.</summary>
    public static Tensor Sample(int count, double noise, Generator generator)
    {
        var points = new float[count * 2];
        for (int i = 0; i < count; i++)
        {
            double theta = Math.PI * generator.NextDouble();
            bool upper = i % 2 == 0;
            double x = upper ? Math.Cos(theta) : 1 - Math.Cos(theta);
            double y = upper ? Math.Sin(theta) : 0.5 - Math.Sin(theta);
            points[2 * i] = (float)(x + noise * generator.NextNormal());
            points[2 * i + 1] = (float)(y + noise * generator.NextNormal());
        }
        return Tensor.From(points, count, 2);
    }
}
