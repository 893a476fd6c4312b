using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Omni2.Testing;
using Xunit.Abstractions;

namespace Omni2.IntegrationTests.ScaleOut;

/// <summary>
/// The worst case of a database outage: the silo that owns some servers sees them crash while
/// PostgreSQL is down, so it cannot write their transitions, and then it is killed with SIGKILL.
/// Every silo saw those transitions on the status feed; once PostgreSQL is back and a survivor
/// owns the servers, the rows must still be written exactly once, in order, and the survivor must
/// go on from the status the feed showed rather than from the older one in storage.
/// </summary>
public sealed class SiloLossDuringOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // Crashed servers stay disconnected while retried every 2 s: no open circuit, no auto-disable.
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Omni2:Health:FailureThreshold"] = "1000",
        ["Omni2:Health:RetryInterval"] = "00:00:02",
        ["Omni2:Health:DisableAfter"] = "00:30:00",
    };

    private static string Token(string role) => SiloProcess.Token(role, "silo-loss-test");

    [Fact]
    public async Task Transitions_a_silo_could_not_write_before_it_died_are_written_once_in_order_and_its_servers_go_on_from_them()
    {
        await using var server = await PostgresServer.CreateAsync();
        await using var db = await PostgresDatabase.CreateAsync(server.ConnectionString);
        var names = Enumerable.Range(0, 8).Select(i => $"loss-{i}").ToArray();
        await using var fleet = await FleetProcess.StartAsync(names.Length);
        var serviceId = $"omni2-loss-{Guid.NewGuid():N}";
        var silos = (await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(db.ConnectionString, serviceId, Settings)))).ToList();
        try
        {
            using (var registrar = silos[0].ClientAs("admin", Token))
            {
                foreach (var (name, i) in names.Select((n, i) => (n, i)))
                {
                    using var created = await registrar.PostAsync("/api/v1/mcp/servers", Json(HttpServer(name, fleet.Endpoint(i), intervalSeconds: 2)));
                    Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                }
            }
            using var admin0 = silos[0].ClientAs("admin", Token);
            var owners = await Eventually.MatchesAsync(
                () => OwnersAsync(admin0, names),
                o => o.Values.All(s => s.Status == "healthy" && s.Silo is not null),
                Deadline,
                "every server healthy with an owner");
            var victimAddress = owners.Values.GroupBy(o => o.Silo).OrderByDescending(g => g.Count()).First().Key!;
            var victim = silos.Single(s => victimAddress.Contains($":{s.SiloPort}@", StringComparison.Ordinal) || victimAddress.Contains($":{s.SiloPort}:", StringComparison.Ordinal));
            var survivor = silos.Single(s => s != victim);
            var lost = names.Where(n => owners[n].Silo == victimAddress).ToList();
            // One of the victim's servers stays up: moving it must not invent a transition.
            var crashed = lost.Count > 1 ? lost[..^1] : lost;
            var stayedUp = names.Except(crashed).ToList();
            var mark = (await Eventually.MatchesAsync(() => LogAsync(db, 0), l => l.Count == names.Length, Deadline, "every connected row")).Max(r => r.Id);
            using var admin = survivor.ClientAs("admin", Token);
            using var viewer = survivor.ClientAs("viewer", Token);
            await using var hub = await RealtimeClient.ConnectAsync(survivor.BaseAddress, Token("viewer"));

            await server.StopAsync();
            foreach (var name in crashed)
            {
                var i = Array.IndexOf(names, name);
                await fleet.KillAsync(i, i);
            }
            // Down, and retried at least once, on the feed only: the victim cannot write any of it.
            await Eventually.MatchesAsync(
                () => Task.FromResult(DatabaseOutage.TransitionsOf(hub)),
                seen => crashed.All(n => seen.Count(t => t.Server == n) >= 2),
                Deadline,
                "each crashed server down and retried, seen on the survivor's hub");
            victim.Kill();
            var unwritten = DatabaseOutage.TransitionsOf(hub);
            output.WriteLine($"victim {victimAddress} owned {string.Join(", ", lost)}; crashed {string.Join(", ", crashed)}; {unwritten.Count} transitions seen before the kill");
            await Task.Delay(TimeSpan.FromSeconds(5));
            await server.StartAsync();

            // The survivor owns every server, each as the feed last showed it: it went on from there.
            await Eventually.MatchesAsync(
                () => OwnersAsync(admin, names),
                o => names.All(n => o[n].Silo is { } silo && silo != victimAddress && o[n].Status == (crashed.Contains(n) ? "disconnected" : "healthy")),
                Deadline,
                "every server owned by the survivor, the crashed ones disconnected");
            foreach (var name in crashed)
            {
                var i = Array.IndexOf(names, name);
                await fleet.ReviveAsync(i, i);
            }
            await Eventually.MatchesAsync(
                () => StatusesAsync(viewer),
                api => names.All(n => api.GetValueOrDefault(n) == "healthy"),
                Deadline,
                "every server healthy again in the survivor's API");
            await Eventually.MatchesAsync(
                () => ColumnsAsync(db, names),
                columns => columns.All(c => c.Value == "healthy"),
                Deadline,
                "every status column healthy");

            var log = await Eventually.MatchesAsync(
                () => LogAsync(db, mark),
                l => crashed.All(n => l.Any(r => r.Server == n && r.Change == "disconnected->healthy")),
                Deadline,
                "each crashed server's recovery row");
            Assert.Equal(log.Count, log.Select(r => r.EventId).Distinct().Count());
            Assert.DoesNotContain(log, r => stayedUp.Contains(r.Server));
            foreach (var name in crashed)
            {
                var written = log.Where(r => r.Server == name).Select(r => r.Change).ToList();
                var seenBeforeKill = unwritten.Where(t => t.Server == name).Select(t => t.Change).ToList();
                // The rows the victim never wrote come first, as the feed carried them.
                Assert.Equal(seenBeforeKill, written.Take(seenBeforeKill.Count));
                Assert.Matches(new Regex("^healthy->disconnected( disconnected->disconnected)* disconnected->healthy$"), string.Join(' ', written));
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
            await server.StartAsync();
        }
    }

    private sealed record Owner(string Status, string? Silo);

    private sealed record LogRow(long Id, Guid EventId, string Server, string Change);

    /// <summary>Each server's live status from its grain (the admin detail view asks the grain).</summary>
    private static async Task<Dictionary<string, Owner>> OwnersAsync(HttpClient admin, IReadOnlyList<string> names)
    {
        var owners = await Task.WhenAll(names.Select(async name =>
        {
            try
            {
                var status = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}")).GetProperty("status");
                return (name, owner: new Owner(status.GetProperty("health_status").GetString()!, status.TryGetProperty("silo", out var silo) ? silo.GetString() : null));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return (name, owner: new Owner("unreachable", null));
            }
        }));
        return owners.ToDictionary(o => o.name, o => o.owner);
    }

    private static async Task<Dictionary<string, string>> StatusesAsync(HttpClient viewer)
    {
        var list = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/mcp/status");
        return list.GetProperty("servers").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("health_status").GetString()!);
    }

    private static async Task<Dictionary<string, string?>> ColumnsAsync(PostgresDatabase db, IEnumerable<string> names)
    {
        var columns = new Dictionary<string, string?>();
        foreach (var name in names)
        {
            try
            {
                columns[name] = (await db.StatusRowAsync(name))?.HealthStatus;
            }
            catch (NpgsqlException ex)
            {
                // A pooled connection from before the restart fails once.
                columns[name] = $"unreadable ({ex.Message})";
            }
        }
        return columns;
    }

    private static Task<List<LogRow>> LogAsync(PostgresDatabase db, long after) => db.QueryAsync(
        "SELECT id, event_id, server_name, old_status || '->' || new_status FROM omni2.mcp_health_log WHERE id > $1 ORDER BY id",
        r => new LogRow(r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3)),
        after);
}
