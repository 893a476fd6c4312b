namespace Omni2.Benchmarks;

/// <summary>Order statistics of measured values.</summary>
public static class Percentiles
{
    /// <summary>The value below which a share <paramref name="p"/> of <paramref name="sorted"/> (ascending) lies.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
