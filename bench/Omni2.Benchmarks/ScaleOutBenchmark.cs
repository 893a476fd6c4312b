using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Omni2.Benchmarks;

/// <summary>
/// Scale-out: for each silo count, a fresh cluster of that many silo processes on one PostgreSQL database
/// (production timings) and one fleet process of stateless servers, registered through the first silo's
/// admin API up to each size in turn and checked every interval by their reminders. Over the measured
/// intervals, per silo and in total: CPU, RSS, checks per second against the schedule (the servers it owns
/// over the interval), check lag p50/p99, and the database's rows written and transactions per second
/// (pg_stat_database: one database for the cluster, so a total only). The owner of each server is the silo
/// its last check ran on, as the admin's <c>/status</c> names it; the spread is the largest deviation of a
/// silo's share from an even one. Transitions during the window are counted: a healthy fleet has none.
/// </summary>
public static class ScaleOutBenchmark
{
    public static async Task<int> RunAsync(IReadOnlyList<int> sizes, IReadOnlyList<int> siloCounts, int intervalSeconds, int intervals)
    {
        var samples = new List<ScaleOutSample>();
        foreach (var silos in siloCounts)
        {
            Log($"scale-out: {silos} silo(s), fleet of {sizes.Max()}");
            await using var rig = await FleetRig.StartAsync(sizes.Max(), stateful: false, silos: silos);
            foreach (var size in sizes.Order())
            {
                ScaleOutSample sample;
                try
                {
                    sample = await MeasureAsync(rig, size, intervalSeconds, intervals);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or InvalidOperationException)
                {
                    // What was measured so far is printed: a run that breaks at 10,000 still tells about 1,000.
                    Console.Write(ScaleOutReport.Of(samples, intervalSeconds, intervals));
                    Console.WriteLine($"{silos} silo(s), {size:N0} servers: broke off: {ex.GetType().Name}: {ex.Message}");
                    return 1;
                }
                samples.Add(sample);
                // As it goes, in case a later size breaks the run or its time runs out.
                Log($"scale-out: {ScaleOutReport.Of([sample], intervalSeconds, intervals)}");
                if (sample.Broken(intervalSeconds) is { } why)
                {
                    Console.Write(ScaleOutReport.Of(samples, intervalSeconds, intervals));
                    Log($"scale-out: {why}");
                    return 1;
                }
            }
        }
        Console.Write(ScaleOutReport.Of(samples, intervalSeconds, intervals));
        return 0;
    }

    private static async Task<ScaleOutSample> MeasureAsync(FleetRig rig, int size, int intervalSeconds, int intervals)
    {
        var added = size - rig.Registered;
        var registering = Stopwatch.StartNew();
        await rig.RegisterUpToAsync(size, intervalSeconds);
        var registered = registering.Elapsed;
        await rig.WaitForStatusCountAsync("healthy", size, TimeSpan.FromMinutes(15));
        var healthy = registering.Elapsed;
        // Every new server's reminder ticks once before measuring, so the schedule is in force.
        await Task.Delay(TimeSpan.FromSeconds(intervalSeconds));
        Log($"scale-out: measuring {size} servers on {rig.Silos.Count} silo(s)");

        var meters = rig.Silos.Select(s => new ProcessMeter(s.ProcessId)).ToList();
        var fleet = new ProcessMeter(rig.Fleet.ProcessId);
        var before = await ScrapeAllAsync(rig);
        var writesBefore = await DatabaseWritesAsync(rig);
        var measuring = Stopwatch.StartNew();
        var window = TimeSpan.FromSeconds(intervalSeconds * intervals);
        while (measuring.Elapsed < window)
        {
            meters.ForEach(m => m.SampleRss());
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var seconds = measuring.Elapsed.TotalSeconds;
        var cpu = meters.Select(m => m.CpuPercent()).ToList();
        var fleetCpu = fleet.CpuPercent();
        var rss = meters.Select(m => m.SampleRss()).ToList();
        var writesAfter = await DatabaseWritesAsync(rig);
        var after = await ScrapeAllAsync(rig);
        var owners = await OwnersAsync(rig);

        var perSilo = rig.Silos.Select((silo, i) => new SiloSample(
            owners.Count(o => o is { } address && silo.IsAddressOf(address)),
            cpu[i],
            rss[i],
            meters[i].PeakRss,
            Checks(after[i], before[i], "ok") / seconds,
            after[i].Quantile(before[i], "omni2_health_check_lag_seconds", 0.50),
            after[i].Quantile(before[i], "omni2_health_check_lag_seconds", 0.99))).ToList();
        var (total, totalBefore) = (MetricsScrape.Merge(after), MetricsScrape.Merge(before));
        return new ScaleOutSample(
            rig.Silos.Count,
            size,
            added,
            registered,
            healthy,
            perSilo,
            owners.Count(o => o is null || !rig.Silos.Any(s => s.IsAddressOf(o))),
            Checks(total, totalBefore, "ok") / seconds,
            Checks(total, totalBefore, "failed"),
            total.Quantile(totalBefore, "omni2_health_check_lag_seconds", 0.50),
            total.Quantile(totalBefore, "omni2_health_check_lag_seconds", 0.99),
            total.Sum("omni2_transitions_total") - totalBefore.Sum("omni2_transitions_total"),
            (writesAfter.Rows - writesBefore.Rows) / seconds,
            (writesAfter.Commits - writesBefore.Commits) / seconds,
            fleetCpu);
    }

    private static double Checks(MetricsScrape after, MetricsScrape before, string outcome) =>
        after.Sum("omni2_health_check_duration_seconds_count", $"outcome=\"{outcome}\"") - before.Sum("omni2_health_check_duration_seconds_count", $"outcome=\"{outcome}\"");

    private static async Task<MetricsScrape[]> ScrapeAllAsync(FleetRig rig) => await Task.WhenAll(rig.Viewers.Select(MetricsScrape.ReadAsync));

    /// <summary>Rows inserted, updated and deleted, and transactions committed, in the cluster's database so far.</summary>
    private static async Task<(double Rows, double Commits)> DatabaseWritesAsync(FleetRig rig) =>
        (await rig.Database.QueryAsync(
            "SELECT (tup_inserted + tup_updated + tup_deleted)::float8, xact_commit::float8 FROM pg_stat_database WHERE datname = current_database()",
            r => (r.GetDouble(0), r.GetDouble(1)))).Single();

    /// <summary>Each registered server's silo as the admin's <c>/status</c> names it (null: none yet).</summary>
    private static async Task<List<string?>> OwnersAsync(FleetRig rig)
    {
        var list = await rig.Admin.GetFromJsonAsync<JsonElement>("/api/v1/mcp/status");
        return [.. list.GetProperty("servers").EnumerateArray()
            .Select(s => s.TryGetProperty("silo", out var silo) && silo.ValueKind == JsonValueKind.String ? silo.GetString() : null)];
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}
