using System.Diagnostics;
using System.Globalization;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// Mass failure: 1,000 stateful fleet servers are killed at once (their streams reset, as when a
/// host dies), while API clients read and dashboard clients (one user each) listen. Reports the
/// API's latency before and during the storm, SignalR messages per client per second, how long
/// until the API and every client show all servers down, how many <c>critical_alert</c>s each
/// client got, and then how long recovery takes once the servers come back.
/// </summary>
public static class StormBenchmark
{
    private const int Clients = 10;

    public static async Task<int> RunAsync(int servers)
    {
        await using var rig = await FleetRig.StartAsync(servers, stateful: true);
        await rig.RegisterUpToAsync(servers, intervalSeconds: 30);
        await rig.WaitForStatusCountAsync("healthy", servers, TimeSpan.FromMinutes(5));

        var listeners = await Task.WhenAll(Enumerable.Range(0, Clients)
            .Select(i => RealtimeClient.ConnectAsync(rig.Silo.BaseAddress, FleetRig.Token("viewer", $"watcher-{i}"))));
        try
        {
            await using var load = new LatencyLoad(rig.Viewer, $"/api/v1/mcp/tools/capabilities?server={FleetRig.ServerName(servers / 2)}", concurrency: 8);
            await Task.Delay(TimeSpan.FromSeconds(5)); // warm-up, not counted
            var calm = Stopwatch.GetTimestamp();
            await Task.Delay(TimeSpan.FromSeconds(10));

            var killedAt = DateTimeOffset.UtcNow;
            var storm = Stopwatch.GetTimestamp();
            await rig.Fleet.KillAsync(0, servers - 1);
            var apiShowsAll = await rig.WaitForStatusCountAsync("disconnected", servers, TimeSpan.FromMinutes(2));
            var clientsShowAll = await Eventually.MatchesAsync(
                () => Task.FromResult(listeners.Min(l => l.LatestStatuses().Values.Count(s => s.GetProperty("health_status").GetString() != "healthy"))),
                down => down >= servers,
                TimeSpan.FromMinutes(2),
                "every client to show every server down");
            var clientsSeconds = (DateTimeOffset.UtcNow - killedAt).TotalSeconds;
            // The storm's tail: what the clients still receive after every status is shown.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var stormEnd = Stopwatch.GetTimestamp();

            var before = load.Between(calm, storm);
            var during = load.Between(storm, stormEnd);
            var perSecond = listeners.Select(l => MaxPerSecond(l, killedAt)).ToArray();
            var alerts = listeners.Select(l => l.Events().Count(e => e.GetProperty("type").GetString() == "critical_alert")).ToArray();
            var messages = listeners.Select(l => l.Messages.Count(m => m.At >= killedAt)).ToArray();

            await rig.Fleet.ReviveAsync(0, servers - 1);
            var recovered = await rig.WaitForStatusCountAsync("healthy", servers, TimeSpan.FromMinutes(3));

            Console.WriteLine($"Mass failure: {servers:N0} stateful servers killed at once; {Clients} dashboard clients (one user each); 8 API readers of /api/v1/mcp/tools/capabilities?server=...");
            Console.WriteLine();
            Console.WriteLine("| API | requests | failed | req/s | p50 | p99 | max |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            Row("before the storm", before);
            Row("during the storm", during);
            Console.WriteLine();
            Console.WriteLine("| storm | value |");
            Console.WriteLine("| --- | ---: |");
            Console.WriteLine(Invariant($"| until the API shows all {servers:N0} down | {apiShowsAll.TotalSeconds:0.00} s |"));
            Console.WriteLine(Invariant($"| until every client shows all {servers:N0} down | {clientsSeconds:0.00} s |"));
            Console.WriteLine(Invariant($"| SignalR messages per client, most in any second (limit 10) | {perSecond.Max()} |"));
            Console.WriteLine(Invariant($"| SignalR messages per client, whole storm | {messages.Min()} to {messages.Max()} |"));
            Console.WriteLine(Invariant($"| critical_alert per client | {alerts.Min()} to {alerts.Max()} |"));
            Console.WriteLine(Invariant($"| after revival, until all {servers:N0} are healthy again | {recovered.TotalSeconds:0.0} s |"));
            return alerts.All(a => a == 1) && perSecond.Max() <= 10 ? 0 : Fail(alerts, perSecond.Max());
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

    private static int Fail(int[] alerts, int perSecond)
    {
        Console.Error.WriteLine($"storm: critical_alert per client {string.Join(",", alerts)}, most messages in a second {perSecond}");
        return 1;
    }

    private static void Row(string label, LatencySummary s) =>
        Console.WriteLine(Invariant($"| {label} | {s.Requests:N0} | {s.Failed} | {s.PerSecond:N0} | {s.P50:0.00} ms | {s.P99:0.00} ms | {s.Max:0.0} ms |"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
