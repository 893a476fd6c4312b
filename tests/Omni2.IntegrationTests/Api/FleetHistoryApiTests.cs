using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>Two hosts on a database of their own, so the fleet's counts are only this class's servers.</summary>
public sealed class FleetHistoryFixture : TwoHostFixture;

/// <summary>
/// <c>GET /api/v1/mcp/status/history</c>: the fleet's status counts in time buckets over the last hour, of
/// the servers the caller may see, from the health log and the catalog. The past is written into the log
/// with plain SQL (any tool may), so it is an hour old without the test waiting one.
/// </summary>
public sealed class FleetHistoryApiTests(FleetHistoryFixture fixture) : IClassFixture<FleetHistoryFixture>
{
    private const string Path = "/api/v1/mcp/status/history";

    [Fact]
    public async Task The_last_hour_counts_only_the_servers_the_caller_may_see_and_every_silo_answers_the_same()
    {
        await using var seenServer = await TestMcpServer.StartAsync();
        await using var hiddenServer = await TestMcpServer.StartAsync();
        var seen = await fixture.A.RegisterHealthyAsync(seenServer, "seen", alsoOn: fixture.B);
        var hidden = await fixture.A.RegisterHealthyAsync(hiddenServer, "hidden", ""","allowed_roles":["admin"]""", fixture.B);
        var now = DateTimeOffset.UtcNow;
        // Both were registered 50 minutes ago; seen was down from 30 to 20 minutes ago, hidden's circuit open
        // from 40 to 35; a server deleted since then went down 25 minutes ago (it is in no catalog: never counted).
        foreach (var name in new[] { seen, hidden })
        {
            await Eventually.MatchesAsync(
                () => fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_health_log WHERE server_name = $1", name),
                n => n > 0, TimeSpan.FromSeconds(60), $"{name}'s first health-log row");
            await fixture.Database.ExecuteAsync("UPDATE omni2.mcp_health_log SET created_at = $2 WHERE server_name = $1", name, now.AddMinutes(-50));
        }
        await LogAsync(seen, "healthy", "disconnected", now.AddMinutes(-30));
        await LogAsync(seen, "disconnected", "healthy", now.AddMinutes(-20));
        await LogAsync(hidden, "healthy", "circuit_open", now.AddMinutes(-40));
        await LogAsync(hidden, "circuit_open", "healthy", now.AddMinutes(-35));
        await LogAsync("gone-server", "healthy", "disconnected", now.AddMinutes(-25));

        var viewer = await ReadAsync(fixture.A, "viewer", "");
        var viewerOnB = await ReadAsync(fixture.B, "viewer", "");
        var admin = await ReadAsync(fixture.A, "admin", "");

        Assert.Equal(60, viewer.GetProperty("bucket_seconds").GetInt32());
        Assert.Equal(60, viewer.GetProperty("buckets").GetArrayLength());
        foreach (var history in new[] { viewer, viewerOnB })
        {
            Assert.Equal(Counts(unknown: 1), At(history, now.AddMinutes(-55)));
            Assert.Equal(Counts(healthy: 1), At(history, now.AddMinutes(-37)));
            Assert.Equal(Counts(disconnected: 1), At(history, now.AddMinutes(-25)));
            Assert.Equal(Counts(healthy: 1), At(history, now.AddMinutes(-10)));
            Assert.Equal(Counts(healthy: 1), At(history, now));
        }
        Assert.Equal(Counts(unknown: 2), At(admin, now.AddMinutes(-55)));
        Assert.Equal(Counts(healthy: 1, circuitOpen: 1), At(admin, now.AddMinutes(-37)));
        Assert.Equal(Counts(healthy: 1, disconnected: 1), At(admin, now.AddMinutes(-25)));
        Assert.Equal(Counts(healthy: 2), At(admin, now));
    }

    [Fact]
    public async Task A_window_and_bucket_choose_how_many_buckets_come_back_and_each_starts_on_its_boundary()
    {
        var history = await ReadAsync(fixture.B, "viewer", "?minutes=5&bucket_seconds=10");

        var starts = history.GetProperty("buckets").EnumerateArray().Select(b => b.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(10, history.GetProperty("bucket_seconds").GetInt32());
        Assert.Equal(30, starts.Count);
        Assert.All(starts, at => Assert.Equal(0, at.ToUnixTimeMilliseconds() % 10_000));
        Assert.Equal(starts.Order(), starts);
    }

    [Theory]
    [InlineData("?minutes=0", "minutes")]
    [InlineData("?minutes=61", "minutes")]
    [InlineData("?bucket_seconds=9", "bucket_seconds")]
    [InlineData("?bucket_seconds=601", "bucket_seconds")]
    [InlineData("?minutes=1&bucket_seconds=120", "bucket_seconds")]
    [InlineData("?minutes=an-hour", "minutes")]
    public async Task A_bad_window_or_bucket_is_a_400_problem_naming_it(string query, string named)
    {
        using var viewer = fixture.A.ClientAs("viewer");

        await AssertProblemAsync(await viewer.GetAsync(Path + query), HttpStatusCode.BadRequest, named);
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        using var anonymous = fixture.A.ClientAs(null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Path)).StatusCode);
    }

    private Task<int> LogAsync(string server, string from, string to, DateTimeOffset at) => fixture.Database.ExecuteAsync("""
        INSERT INTO omni2.mcp_health_log (event_id, server_name, event_type, old_status, new_status, created_at)
        VALUES (gen_random_uuid(), $1, 'disconnected', $2, $3, $4)
        """, server, from, to, at);

    private static async Task<JsonElement> ReadAsync(ApiHost host, string role, string query)
    {
        using var client = host.ClientAs(role);
        return await client.GetFromJsonAsync<JsonElement>(Path + query);
    }

    /// <summary>The counts of the bucket <paramref name="at"/> falls in.</summary>
    private static Dictionary<string, int> At(JsonElement history, DateTimeOffset at)
    {
        var width = TimeSpan.FromSeconds(history.GetProperty("bucket_seconds").GetInt32());
        var bucket = history.GetProperty("buckets").EnumerateArray().Single(b =>
            b.GetProperty("at").GetDateTimeOffset() is var start && start <= at && at < start + width);
        return bucket.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
    }

    private static Dictionary<string, int> Counts(int healthy = 0, int disconnected = 0, int circuitOpen = 0, int disabled = 0, int unknown = 0) => new()
    {
        ["unknown"] = unknown, ["healthy"] = healthy, ["disconnected"] = disconnected, ["circuit_open"] = circuitOpen, ["disabled"] = disabled,
    };
}
