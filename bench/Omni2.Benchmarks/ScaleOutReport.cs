using System.Globalization;
using System.Text;

namespace Omni2.Benchmarks;

/// <summary>The scale-out benchmark's markdown: the cluster's totals, then each silo's part.</summary>
public static class ScaleOutReport
{
    public static string Of(IReadOnlyList<ScaleOutSample> samples, int intervalSeconds, int intervals)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Scale-out: stateless streamable HTTP servers checked every {intervalSeconds} s, registered through the first silo's admin API (32 at a time), measured over {intervals} intervals; a fresh cluster and database per silo count."));
        text.AppendLine();
        text.AppendLine("| silos | servers | registered through the API (added) | all healthy | CPU, all silos | RSS, all silos | checks/s (scheduled) | failed checks | check lag p50 / p99 | PostgreSQL rows written/s (commits/s) | transitions | fleet CPU | servers per silo | spread |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        foreach (var sample in samples)
        {
            text.AppendLine(TotalRow(sample, intervalSeconds));
        }
        text.AppendLine();
        text.AppendLine("| silos | servers | silo | owns | CPU | RSS (end / peak) | checks/s (scheduled for its servers) | check lag p50 / p99 |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var sample in samples)
        {
            foreach (var (silo, i) in sample.PerSilo.Select((s, i) => (s, i + 1)))
            {
                text.AppendLine(Invariant(
                    $"| {sample.Silos} | {sample.Servers:N0} | {i} | {silo.Owned:N0} | {silo.CpuPercent:0.0} % | {ScaleBenchmark.Mib(silo.Rss)} / {ScaleBenchmark.Mib(silo.PeakRss)} | {silo.ChecksPerSecond:0.0} ({(double)silo.Owned / intervalSeconds:0.0}) | ≤ {ScaleBenchmark.Ms(silo.LagP50)} / ≤ {ScaleBenchmark.Ms(silo.LagP99)} |"));
            }
        }
        return text.ToString();
    }

    private static string TotalRow(ScaleOutSample s, int intervalSeconds) =>
        Invariant($"| {s.Silos} | {s.Servers:N0} | {s.Registered.TotalSeconds:0.0} s ({s.Added:N0}) | {s.Healthy.TotalSeconds:0.0} s | {s.PerSilo.Sum(p => p.CpuPercent):0.0} % | {ScaleBenchmark.Mib(s.PerSilo.Sum(p => p.Rss))} | ")
        + Invariant($"{s.ChecksPerSecond:0.0} ({(double)s.Servers / intervalSeconds:0.0}) | {s.FailedChecks:0} | ≤ {ScaleBenchmark.Ms(s.LagP50)} / ≤ {ScaleBenchmark.Ms(s.LagP99)} | ")
        + Invariant($"{s.RowsWrittenPerSecond:0.0} ({s.CommitsPerSecond:0.0}) | {s.Transitions:0} | {s.FleetCpuPercent:0.0} % | {string.Join(" / ", s.PerSilo.Select(p => p.Owned.ToString("N0", CultureInfo.InvariantCulture)))} | {s.SpreadPercent:0.0} % |");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
