using System.Diagnostics;
using System.Globalization;

namespace Omni2.Benchmarks;

/// <summary>
/// Fleet scale: one silo (its own process, PostgreSQL, production timings) with 1,000 and then
/// 10,000 fleet servers registered through the API, each checked every interval by its reminder.
/// Over at least three intervals it reports the silo's CPU (share of one core) and resident memory,
/// the checks per second achieved against the schedule's N / interval, and the check lag (how long
/// after its scheduled time a reminder tick ran, from the silo's own histogram). After each window a
/// full collection (<see cref="FullCollection"/>) gives the memory the servers hold: RSS and GC heap
/// then, and per server their growth since the silo alone (0 servers, always measured first) and since
/// the previous size (<c>--servers 1000,3000</c>: sizes one after another in the same silo).
/// </summary>
public static class ScaleBenchmark
{
    public static async Task<int> RunAsync(IReadOnlyList<int> sizes, int intervalSeconds, int intervals, bool stateful)
    {
        sizes = [0, .. sizes.Where(size => size > 0)];
        var memory = new List<(int Servers, long Rss, long GcHeap, long GcCommitted)>();
        await using var rig = await FleetRig.StartAsync(sizes.Max(), stateful);
        var silo = new ProcessMeter(rig.Silo.ProcessId);
        var fleet = new ProcessMeter(rig.Fleet.ProcessId);
        Console.WriteLine($"Fleet scale: {(stateful ? "stateful" : "stateless")} streamable HTTP servers, checks every {intervalSeconds} s, measured over {intervals} intervals");
        Console.WriteLine();
        Console.WriteLine("| servers | registered, all healthy | silo CPU | silo RSS (end / peak) | checks/s (scheduled) | failed checks | check lag p50 / p99 | fleet CPU |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var size in sizes)
        {
            var registering = Stopwatch.StartNew();
            await rig.RegisterUpToAsync(size, intervalSeconds);
            await rig.WaitForStatusCountAsync("healthy", size, TimeSpan.FromMinutes(10));
            var ready = registering.Elapsed;
            // Let every new server's reminder tick once before measuring, so the schedule is in force
            // (0 servers: the silo's own cost, for comparison).
            await Task.Delay(TimeSpan.FromSeconds(intervalSeconds));
            Console.Error.WriteLine($"scale: measuring {size} servers, silo process {rig.Silo.ProcessId}");

            var before = await MetricsScrape.ReadAsync(rig.Viewer);
            silo.Restart();
            fleet.Restart();
            var measuring = Stopwatch.StartNew();
            var window = TimeSpan.FromSeconds(intervalSeconds * intervals);
            while (measuring.Elapsed < window)
            {
                silo.SampleRss();
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            var seconds = measuring.Elapsed.TotalSeconds;
            var siloCpu = silo.CpuPercent();
            var fleetCpu = fleet.CpuPercent();
            var rss = silo.SampleRss();
            var after = await MetricsScrape.ReadAsync(rig.Viewer);
            var (collectedRss, gcHeap, gcCommitted) = await FullCollection.MeasureAsync(rig.Silo.ProcessId, rig.Viewer);
            memory.Add((size, collectedRss, gcHeap, gcCommitted));

            var ok = Delta(after, before, "omni2_health_check_duration_seconds_count", "outcome=\"ok\"");
            var failed = Delta(after, before, "omni2_health_check_duration_seconds_count", "outcome=\"failed\"");
            var lag50 = after.Quantile(before, "omni2_health_check_lag_seconds", 0.50);
            var lag99 = after.Quantile(before, "omni2_health_check_lag_seconds", 0.99);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {size:N0} | {ready.TotalSeconds:0.0} s | {siloCpu:0.0} % | {Mib(rss)} / {Mib(silo.PeakRss)} | {ok / seconds:0.0} ({(double)size / intervalSeconds:0.0}) | {failed:0} | ≤ {Ms(lag50)} / ≤ {Ms(lag99)} | {fleetCpu:0.0} % |"));
            if (size > 0 && ok / seconds < 0.5 * size / intervalSeconds)
            {
                await Console.Error.WriteLineAsync($"scale: only {ok} checks in {seconds:0} s for {size} servers");
                return 1;
            }
        }
        PrintMemory(memory);
        return 0;
    }

    /// <summary>
    /// The silo's memory after a full collection at each size; per server its growth over the silo alone, and
    /// over the previous size (which leaves out what the first servers cost once: code compiled, caches filled).
    /// </summary>
    private static void PrintMemory(IReadOnlyList<(int Servers, long Rss, long GcHeap, long GcCommitted)> memory)
    {
        Console.WriteLine();
        Console.WriteLine("| servers | silo RSS after a full GC | GC heap after it | GC committed | per server: RSS / GC heap / committed | per server added since the previous size |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var i = 0; i < memory.Count; i++)
        {
            var (servers, rss, heap, committed) = memory[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {servers:N0} | {Mib(rss)} | {Mib(heap)} | {Mib(committed)} | {PerServer(memory[0], memory[i])} | {(i > 1 ? PerServer(memory[i - 1], memory[i]) : "")} |"));
        }
    }

    private static string PerServer((int Servers, long Rss, long GcHeap, long GcCommitted) from, (int Servers, long Rss, long GcHeap, long GcCommitted) to)
    {
        var servers = to.Servers - from.Servers;
        return servers <= 0 ? "" : $"{Kib((to.Rss - from.Rss) / servers)} / {Kib((to.GcHeap - from.GcHeap) / servers)} / {Kib((to.GcCommitted - from.GcCommitted) / servers)}";
    }

    internal static double Delta(MetricsScrape after, MetricsScrape before, string name, string label) =>
        after.Sum(name, label) - before.Sum(name, label);

    internal static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0} MiB");

    private static string Kib(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:0.0} KiB");

    internal static string Ms(double seconds) => double.IsNaN(seconds) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:0} ms");
}
