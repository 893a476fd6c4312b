using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// Hot reload from SQL: two silo processes on PostgreSQL (production timings, so the registry's scan is 30 s
/// away and whatever shows sooner came through NOTIFY). One plain SQL statement at a time, autocommitted, on
/// rows of <c>omni2.mcp_servers</c>: an insert of a fleet server, an update of its <c>allowed_roles</c> and its
/// disable. Each is timed from the statement's return (its COMMIT) until the REST API of every silo shows the
/// change as the grain applied it: the new server healthy (its grain connected), the restricted one gone from
/// viewers' lists (the grain published its new configuration), the disabled one disabled (the grain retired it).
/// Then a NOTIFY storm: one UPDATE disabling thousands of healthy servers, until every silo counts them all
/// disabled, with how many NOTIFYs each silo got and how many registry calls its listener made for them.
/// </summary>
public static class ReloadBenchmark
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(int changes, int storm)
    {
        await using var rig = await FleetRig.StartAsync(changes + 1 + storm, stateful: false, silos: 2);
        var viewers = rig.Silos.Select(s => s.ClientAs("viewer", role => FleetRig.Token(role))).ToList();
        var admins = rig.Silos.Select(s => s.ClientAs("admin", role => FleetRig.Token(role))).ToList();
        try
        {
            await WaitListeningAsync(rig, viewers);
            // The first round (server 0) is the cold one: every step's code runs for the first time in both silos.
            var (inserts, updates, disables) = (new List<double>(), new List<double>(), new List<double>());
            for (var i = 0; i <= changes; i++)
            {
                var name = $"reload-{i:0000}";
                var round = i == 0 ? new List<double>() : null;
                (round ?? inserts).Add(await TimeAsync(rig, viewers, Shows(name, "healthy"),
                    "INSERT INTO omni2.mcp_servers (name, transport, url, health_check_interval_seconds) VALUES ($1, 'streamable_http', $2, 300)",
                    name, rig.Fleet.Endpoint(i).ToString()));
                (round ?? updates).Add(await TimeAsync(rig, viewers, servers => !Shows(name)(servers),
                    "UPDATE omni2.mcp_servers SET allowed_roles = '{admin}' WHERE name = $1", name));
                (round ?? disables).Add(await TimeAsync(rig, admins, Shows(name, "disabled"),
                    "UPDATE omni2.mcp_servers SET enabled = false WHERE name = $1", name));
                if (round is not null)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"Hot reload from SQL, two silos. The first, cold round: insert {round[0]:0} ms, update {round[1]:0} ms, disable {round[2]:0} ms; then {changes} of each kind, one at a time, from COMMIT until the REST API of both silos shows what the grain applied:"));
                }
            }
            Console.WriteLine();
            Console.WriteLine("| change | p50 | p99 | max |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            Row("insert (until healthy)", inserts);
            Row("update of allowed_roles (until hidden from viewers)", updates);
            Row("disable (until disabled)", disables);
            Console.WriteLine();
            await StormAsync(rig, changes + 1, storm);
            return 0;
        }
        finally
        {
            foreach (var client in viewers.Concat(admins))
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Thousands of healthy servers inserted in one statement, then disabled in one: one storm of NOTIFYs.</summary>
    private static async Task StormAsync(FleetRig rig, int first, int count)
    {
        await rig.Database.ExecuteAsync(
            "INSERT INTO omni2.mcp_servers (name, transport, url, health_check_interval_seconds) " +
            "SELECT 'storm-' || i, 'streamable_http', $1 || '/servers/' || i || '/mcp', 300 FROM generate_series($2::int, $3::int) AS i",
            rig.Fleet.BaseAddress.ToString().TrimEnd('/'), first, first + count - 1);
        await rig.WaitForStatusCountAsync("healthy", count, TimeSpan.FromMinutes(10));
        var before = await Task.WhenAll(rig.Silos.Select(s => MetricsOf(s)));

        await rig.Database.ExecuteAsync("UPDATE omni2.mcp_servers SET enabled = false WHERE name LIKE 'storm-%'");
        var watch = Stopwatch.StartNew();
        await rig.WaitForStatusCountAsync("disabled", first + count, TimeSpan.FromMinutes(10));
        var took = watch.Elapsed;

        // The counters are written once each registry call returns (a retired grain's returns once its status
        // is written), which may be well after the servers show.
        await Eventually.MatchesAsync(
            async () => (await Task.WhenAll(rig.Silos.Select(s => MetricsOf(s)))).Select((after, i) => Named(after) - Named(before[i])).Min(),
            named => named >= count, TimeSpan.FromMinutes(10), "every silo to count the storm's notifications");
        var returned = watch.Elapsed;
        var after = await Task.WhenAll(rig.Silos.Select(s => MetricsOf(s)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"NOTIFY storm: one UPDATE disabling {count:N0} healthy servers: every one shown disabled by both silos after {took.TotalSeconds:0.0} s; both listeners' registry calls returned after {returned.TotalSeconds:0.0} s"));
        Console.WriteLine();
        Console.WriteLine("| silo | NOTIFYs received | registry calls: full scans | registry calls: row reloads |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        for (var i = 0; i < after.Length; i++)
        {
            Console.WriteLine($"| {i + 1} | {Named(after[i]) - Named(before[i]):N0} | {Calls(after[i], "scan") - Calls(before[i], "scan"):N0} | {Calls(after[i], "row") - Calls(before[i], "row"):N0} |");
        }
    }

    private static async Task<MetricsScrape> MetricsOf(SiloProcess silo)
    {
        using var anonymous = new HttpClient { BaseAddress = silo.BaseAddress };
        return await MetricsScrape.ReadAsync(anonymous);
    }

    private static double Named(MetricsScrape scrape) => scrape.Sum("omni2_registry_notifications_total");

    private static double Calls(MetricsScrape scrape, string kind) => scrape.Sum("omni2_registry_notify_calls_total", $"kind=\"{kind}\"");

    /// <summary>Until a silo LISTENs, a NOTIFY reaches nobody: notify a name no row has until both have counted it.</summary>
    private static async Task WaitListeningAsync(FleetRig rig, IReadOnlyList<HttpClient> silos) =>
        await Eventually.MatchesAsync(
            async () =>
            {
                await rig.Database.ExecuteAsync("SELECT pg_notify('omni2_mcp_servers', 'listening-probe')");
                return (await Task.WhenAll(rig.Silos.Select(s => MetricsOf(s)))).Min(m => m.Sum("omni2_registry_notifications_total", "outcome=\"ignored\""));
            },
            ignored => ignored > 0, TimeSpan.FromMinutes(1), "both silos to listen");

    /// <summary>Runs the statement, then polls every silo's server list until each shows <paramref name="seen"/>: the slowest silo's time, in ms.</summary>
    private static async Task<double> TimeAsync(FleetRig rig, IReadOnlyList<HttpClient> silos, Func<JsonElement, bool> seen, string sql, params object?[] parameters)
    {
        await rig.Database.ExecuteAsync(sql, parameters);
        var watch = Stopwatch.StartNew();
        var times = await Task.WhenAll(silos.Select(async client =>
        {
            while (watch.Elapsed < Deadline)
            {
                if (seen((await client.GetFromJsonAsync<JsonElement>("/api/v1/mcp/tools/servers")).GetProperty("servers")))
                {
                    return watch.Elapsed.TotalMilliseconds;
                }
                await Task.Delay(5);
            }
            throw new TimeoutException($"'{sql}' did not take effect within {Deadline.TotalSeconds:0} s");
        }));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reload: {times.Max():0} ms (silos: {string.Join(", ", times.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))}) for {sql} [{parameters[0]}]"));
        return times.Max();
    }

    private static Func<JsonElement, bool> Shows(string name, string? status = null) =>
        servers => servers.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name && (status is null || s.GetProperty("health_status").GetString() == status));

    private static void Row(string change, List<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {change} | {Percentiles.Of(sorted, 0.50):0} ms | {Percentiles.Of(sorted, 0.99):0} ms | {sorted[^1]:0} ms |"));
    }
}
