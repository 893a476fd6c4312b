using System.Diagnostics;
using System.Globalization;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// Mass failure: <c>failing</c> of <c>servers</c> stateful fleet servers (all 1,000 by default) are killed at
/// once (their streams reset, as when a host dies), while API clients read and dashboard clients (one user
/// each) listen. The servers are registered through the admin API, each
/// checked every <c>interval</c> seconds, and the silo's pools are capped at <see cref="PoolSize"/> connections.
/// Reports the API's latency before and during the storm, SignalR messages per client per second, how long until
/// the API and every client show the failed servers down, whether every client ends with exactly them down, how
/// many <c>critical_alert</c>s each client got, the health-log rows the storm wrote and how long until every failure was written, the most
/// database connections open at once, and then how long recovery takes once the servers come back.
/// </summary>
public static class StormBenchmark
{
    private const int Clients = 10;

    /// <summary>Npgsql's Maximum Pool Size for the silo: its data source and Orleans' ADO.NET providers each keep a pool of at most this many.</summary>
    public const int PoolSize = 20;

    public static async Task<int> RunAsync(int servers, int failing, int interval)
    {
        var setup = TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(servers / 50.0);
        await using var rig = await FleetRig.StartAsync(servers, stateful: true, connectionOptions: $"Maximum Pool Size={PoolSize}");
        await rig.RegisterUpToAsync(servers, interval);
        await rig.WaitForStatusCountAsync("healthy", servers, setup);

        var listeners = await Task.WhenAll(Enumerable.Range(0, Clients)
            .Select(i => RealtimeClient.ConnectAsync(rig.Silo.BaseAddress, FleetRig.Token("viewer", $"watcher-{i}"))));
        try
        {
            var snapshots = Stopwatch.StartNew();
            await Eventually.MatchesAsync(() => Task.FromResult(listeners.Min(l => l.LatestStatuses().Count)), n => n >= servers, setup, "every client's whole snapshot");
            var snapshotSeconds = snapshots.Elapsed.TotalSeconds;
            // Calm means the connects are written too: the database is written after memory, and a window holding that
            // backlog would count it as the calm rate.
            await DatabaseProbe.WaitForLogRowsAsync(rig.Database, servers, setup);
            await using var load = new LatencyLoad(rig.Viewer, $"/api/v1/mcp/tools/capabilities?server={FleetRig.ServerName(servers - 1)}", concurrency: 8);
            await Task.Delay(TimeSpan.FromSeconds(5)); // warm-up, not counted
            var calm = Stopwatch.GetTimestamp();
            await using var database = await DatabaseProbe.StartAsync(rig.Database);
            await Task.Delay(TimeSpan.FromSeconds(10));

            var killedAt = DateTimeOffset.UtcNow;
            var storm = Stopwatch.GetTimestamp();
            await rig.Fleet.KillAsync(0, failing - 1);
            var apiShowsAll = await rig.WaitForStatusCountAsync("disconnected", failing, setup);
            var clientsShowAll = await Eventually.MatchesAsync(
                () => Task.FromResult(listeners.Min(l => DownIn(l).Count)),
                down => down >= failing,
                setup,
                "every client to show every failed server down");
            var clientsSeconds = (DateTimeOffset.UtcNow - killedAt).TotalSeconds;
            // The storm's tail: what the clients still receive after every status is shown.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var stormEnd = Stopwatch.GetTimestamp();
            await DatabaseProbe.WaitForLogRowsAsync(rig.Database, servers + failing, setup);
            var writtenSeconds = (DateTimeOffset.UtcNow - killedAt).TotalSeconds;
            var transitions = await database.LogRowsSinceStartAsync();

            var before = load.Between(calm, storm);
            var during = load.Between(storm, stormEnd);
            var perSecond = listeners.Select(l => MaxPerSecond(l, killedAt)).ToArray();
            var alerts = listeners.Select(l => l.Events().Count(e => e.GetProperty("type").GetString() == "critical_alert")).ToArray();
            var messages = listeners.Select(l => l.Messages.Count(m => m.At >= killedAt)).ToArray();
            var failed = Enumerable.Range(0, failing).Select(FleetRig.ServerName).ToHashSet();
            var truthful = listeners.Count(l => DownIn(l).SetEquals(failed) && l.LatestStatuses().Count == servers);
            var dropped = (await MetricsScrape.ReadAsync(rig.Viewer)).Sum("omni2_queue_dropped_total", "queue=\"realtime_dispatcher\"");

            await rig.Fleet.ReviveAsync(0, failing - 1);
            var recovered = await rig.WaitForStatusCountAsync("healthy", servers, setup);

            Console.WriteLine($"Mass failure: {failing:N0} of {servers:N0} stateful servers (checked every {interval} s) killed at once; {Clients} dashboard clients (one user each); 8 API readers of /api/v1/mcp/tools/capabilities?server=...");
            Console.WriteLine();
            Console.WriteLine("| API | requests | failed | req/s | p50 | p99 | max |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            Row("before the storm", before);
            Row("during the storm", during);
            Console.WriteLine();
            Console.WriteLine("| storm | value |");
            Console.WriteLine("| --- | ---: |");
            Console.WriteLine(Invariant($"| every client's snapshot of {servers:N0}, from connect | {snapshotSeconds:0.0} s |"));
            Console.WriteLine(Invariant($"| until the API shows all {failing:N0} down | {apiShowsAll.TotalSeconds:0.00} s |"));
            Console.WriteLine(Invariant($"| until every client shows all {failing:N0} down | {clientsSeconds:0.00} s |"));
            Console.WriteLine(Invariant($"| SignalR messages per client, most in any second (limit 10) | {perSecond.Max()} |"));
            Console.WriteLine(Invariant($"| SignalR messages per client, whole storm | {messages.Min()} to {messages.Max()} |"));
            Console.WriteLine(Invariant($"| clients ending with exactly the {failing:N0} down and every server known | {truthful} of {Clients} |"));
            Console.WriteLine(Invariant($"| critical_alert per client | {alerts.Min()} to {alerts.Max()} |"));
            Console.WriteLine(Invariant($"| hub work items dropped (each makes every client get a fresh snapshot) | {dropped:N0} |"));
            Console.WriteLine(Invariant($"| until every failure is in the health log | {writtenSeconds:0.0} s |"));
            Console.WriteLine(Invariant($"| health-log rows written (transitions) | {transitions:N0} |"));
            Console.WriteLine(Invariant($"| PostgreSQL connections open at most (2 pools of at most {PoolSize}, plus the registry's LISTEN) | {database.MostConnections} |"));
            Console.WriteLine(Invariant($"| after revival, until all {servers:N0} are healthy again | {recovered.TotalSeconds:0.0} s |"));
            return alerts.All(a => a == 1) && perSecond.Max() <= 10 && truthful == Clients ? 0 : Fail(alerts, perSecond.Max(), truthful);
        }
        finally
        {
            foreach (var listener in listeners)
            {
                await listener.DisposeAsync();
            }
        }
    }

    /// <summary>The most messages the client received in any one second of its own clock since <paramref name="since"/>.</summary>
    private static int MaxPerSecond(RealtimeClient client, DateTimeOffset since)
    {
        var times = client.Messages.Where(m => m.At >= since).Select(m => m.At).Order().ToArray();
        var most = 0;
        for (int first = 0, last = 0; last < times.Length; last++)
        {
            while (times[last] - times[first] >= TimeSpan.FromSeconds(1))
            {
                first++;
            }
            most = Math.Max(most, last - first + 1);
        }
        return most;
    }

    /// <summary>The servers the client last heard were not healthy.</summary>
    private static HashSet<string> DownIn(RealtimeClient client) =>
        [.. client.LatestStatuses().Where(s => s.Value.GetProperty("health_status").GetString() != "healthy").Select(s => s.Key)];

    private static int Fail(int[] alerts, int perSecond, int truthful)
    {
        Console.Error.WriteLine($"storm: critical_alert per client {string.Join(",", alerts)}, most messages in a second {perSecond}, clients with the true state {truthful} of {Clients}");
        return 1;
    }

    private static void Row(string label, LatencySummary s) =>
        Console.WriteLine(Invariant($"| {label} | {s.Requests:N0} | {s.Failed} | {s.PerSecond:N0} | {s.P50:0.00} ms | {s.P99:0.00} ms | {s.Max:0.0} ms |"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
