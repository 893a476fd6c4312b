using System.Globalization;

namespace Omni2.Benchmarks;

/// <summary>One read of a silo's Prometheus endpoint (<c>/metrics</c>): series name with labels → value.</summary>
public sealed class MetricsScrape(IReadOnlyDictionary<string, double> series)
{
    private IReadOnlyDictionary<string, double> Series => series;

    public static async Task<MetricsScrape> ReadAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics");
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                series[line[..space]] = value;
            }
        }
        return new MetricsScrape(series);
    }

    /// <summary>Every series summed over several silos' scrapes: the cluster's counters and histograms.</summary>
    public static MetricsScrape Merge(IEnumerable<MetricsScrape> scrapes) =>
        new(scrapes.SelectMany(s => s.Series).GroupBy(s => s.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal));

    /// <summary>The sum of every series of <paramref name="name"/> whose labels contain all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params string[] labels) =>
        series.Where(s => (s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)) && labels.All(s.Key.Contains))
            .Sum(s => s.Value);

    /// <summary>
    /// A quantile of a histogram over what happened between <paramref name="before"/> and this scrape,
    /// as the upper bound of the bucket it falls in (Prometheus buckets are cumulative).
    /// </summary>
    public double Quantile(MetricsScrape before, string histogram, double quantile)
    {
        var buckets = series
            .Where(s => s.Key.StartsWith(histogram + "_bucket{", StringComparison.Ordinal))
            .Select(s => (Le: UpperBound(s.Key), Count: s.Value - before.Series.GetValueOrDefault(s.Key)))
            .GroupBy(b => b.Le)
            .Select(g => (Le: g.Key, Count: g.Sum(b => b.Count)))
            .OrderBy(b => b.Le)
            .ToList();
        var total = buckets.Count > 0 ? buckets[^1].Count : 0;
        return total == 0 ? double.NaN : buckets.First(b => b.Count >= quantile * total).Le;
    }

    private static double UpperBound(string key)
    {
        var start = key.IndexOf("le=\"", StringComparison.Ordinal) + 4;
        var text = key[start..key.IndexOf('"', start)];
        return text == "+Inf" ? double.PositiveInfinity : double.Parse(text, CultureInfo.InvariantCulture);
    }
}
