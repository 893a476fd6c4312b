using System.Globalization;

namespace Omni2.Benchmarks;

/// <summary>CPU (share of one core) and resident memory of another process, from <c>/proc</c>.</summary>
public sealed class ProcessMeter(int processId)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private (double CpuSeconds, DateTimeOffset At) _start = (CpuSeconds(processId), DateTimeOffset.UtcNow);
    private long _peakRss;

    /// <summary>Starts a new interval.</summary>
    public void Restart()
    {
        _start = (CpuSeconds(processId), DateTimeOffset.UtcNow);
        _peakRss = 0;
    }

    /// <summary>Samples resident memory; the peak over the interval is kept.</summary>
    public long SampleRss()
    {
        var rss = RssBytes(processId);
        _peakRss = Math.Max(_peakRss, rss);
        return rss;
    }

    public long PeakRss => _peakRss;

    /// <summary>Percent of one core used since <see cref="Restart"/> (200 % is both cores of a 2-core machine).</summary>
    public double CpuPercent()
    {
        var elapsed = (DateTimeOffset.UtcNow - _start.At).TotalSeconds;
        return elapsed > 0 ? 100 * (CpuSeconds(processId) - _start.CpuSeconds) / elapsed : 0;
    }

    private static double CpuSeconds(int processId)
    {
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    internal static long RssBytes(int processId) =>
        File.ReadLines($"/proc/{processId}/status")
            .Where(line => line.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024)
            .First();
}
