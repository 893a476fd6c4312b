using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.Host.Silo;
using Omni2.Testing;
using Xunit.Abstractions;
using static Omni2.Testing.ApiRequests;

namespace Omni2.IntegrationTests.ScaleOut;

/// <summary>
/// Where server grains live in a cluster of real silo processes on one PostgreSQL, with fleet servers registered
/// through one silo's API (the worst case for a placement that prefers the caller): each silo owns an even share,
/// and a silo that joins is given its share without a transition being invented on the way.
/// </summary>
public sealed class PlacementTests(ITestOutputHelper output)
{
    private const int CheckIntervalSeconds = 5;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private static string Token(string role) => SiloProcess.Token(role, "placement-test");

    [Fact]
    public async Task Three_silos_each_own_within_ten_percent_of_a_third_of_the_servers_registered_through_one_of_them()
    {
        const int servers = 300;
        await using var db = await PostgresDatabase.CreateAsync();
        await using var fleet = await FleetProcess.StartAsync(servers);
        // No rebalancer: the spread is placement's alone.
        var silos = await StartSilosAsync(db, $"omni2-spread-{Guid.NewGuid():N}", 3, new() { [ServerPlacement.RebalancingKey] = "false" });
        try
        {
            using var admin = silos[0].ClientAs("admin", Token);
            await RegisterAsync(admin, fleet, servers);
            var owned = await OwnedPerSiloAsync(admin, silos, servers, _ => true, "every server healthy on a silo of the cluster");
            output.WriteLine($"servers per silo: {string.Join(" / ", owned)}");
            Assert.All(owned, n => Assert.InRange(n, servers / 3 * 0.9, servers / 3 * 1.1));
        }
        finally
        {
            await DisposeAllAsync(silos);
        }
    }

    [Fact]
    public async Task A_silo_that_joins_receives_servers_and_no_transition_is_written_for_them()
    {
        const int servers = 200;
        await using var db = await PostgresDatabase.CreateAsync();
        await using var fleet = await FleetProcess.StartAsync(servers);
        var serviceId = $"omni2-join-{Guid.NewGuid():N}";
        // The rebalancer's production timings (a first session after 60 s, a cycle every 15 s), shortened.
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:Rebalancing:DueTime"] = "00:00:05",
            ["Orleans:Rebalancing:CyclePeriod"] = "00:00:05",
        };
        var silos = await StartSilosAsync(db, serviceId, 2, settings);
        try
        {
            using var admin = silos[0].ClientAs("admin", Token);
            await RegisterAsync(admin, fleet, servers);
            var before = await OwnedPerSiloAsync(admin, silos, servers, _ => true, "every server healthy on one of two silos");
            var log = await HealthLogAsync(db);
            Assert.Equal(servers, log.Count(row => row.EndsWith(" connected", StringComparison.Ordinal)));

            silos.Add(await SiloProcess.StartAsync(db.ConnectionString, serviceId, settings));
            // Each check names the silo it ran on, so a moved server shows its new owner within an interval.
            var after = await OwnedPerSiloAsync(admin, silos, servers, owned => owned[2] >= servers / 3 * 0.9, "the joining silo to own a third of the servers, less 10 %");
            output.WriteLine($"servers per silo: {string.Join(" / ", before)} before, {string.Join(" / ", after)} after the third joined");

            // Every move was a handover: nothing but each server's first connect is in the health log.
            Assert.Equal(log, await HealthLogAsync(db));
        }
        finally
        {
            await DisposeAllAsync(silos);
        }
    }

    private static async Task<List<SiloProcess>> StartSilosAsync(PostgresDatabase db, string serviceId, int count, Dictionary<string, string?> settings) =>
        [.. await Task.WhenAll(Enumerable.Range(0, count).Select(_ => SiloProcess.StartAsync(db.ConnectionString, serviceId, settings)))];

    private static async Task RegisterAsync(HttpClient admin, FleetProcess fleet, int servers)
    {
        foreach (var i in Enumerable.Range(0, servers))
        {
            using var created = await admin.PostAsync("/api/v1/mcp/servers", Json(HttpServer($"fleet-{i:000}", fleet.Endpoint(i), intervalSeconds: CheckIntervalSeconds)));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
    }

    /// <summary>
    /// Waits until the admin's <c>/status</c> shows every server healthy on one of <paramref name="silos"/> and the counts
    /// per silo (in the order of <paramref name="silos"/>) meet <paramref name="condition"/>; returns those counts.
    /// </summary>
    private static async Task<int[]> OwnedPerSiloAsync(HttpClient admin, IReadOnlyList<SiloProcess> silos, int servers, Func<int[], bool> condition, string what)
    {
        var owners = await Eventually.MatchesAsync(
            async () => (await admin.GetFromJsonAsync<JsonElement>("/api/v1/mcp/status")).GetProperty("servers").EnumerateArray()
                .Where(s => s.GetProperty("health_status").GetString() == "healthy")
                .Select(s => s.TryGetProperty("silo", out var silo) && silo.ValueKind == JsonValueKind.String ? silo.GetString() : null)
                .Select(address => silos.ToList().FindIndex(s => address is not null && s.IsAddressOf(address)))
                .Where(index => index >= 0)
                .ToList(),
            owned => owned.Count == servers && condition(Count(owned, silos.Count)),
            Deadline,
            what);
        return Count(owners, silos.Count);
    }

    private static int[] Count(List<int> owners, int silos) => [.. Enumerable.Range(0, silos).Select(i => owners.Count(o => o == i))];

    private static async Task<List<string>> HealthLogAsync(PostgresDatabase db) =>
        await db.QueryAsync("SELECT server_name || ' ' || event_type FROM omni2.mcp_health_log ORDER BY server_name, id", r => r.GetString(0));

    private static async Task DisposeAllAsync(IEnumerable<SiloProcess> silos)
    {
        foreach (var silo in silos)
        {
            await silo.DisposeAsync();
        }
    }
}
