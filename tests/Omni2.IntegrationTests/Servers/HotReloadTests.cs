using Npgsql;
using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.IntegrationTests.Servers;

/// <summary>The registry follows <c>omni2.mcp_servers</c>: rows added, changed, disabled and deleted by any tool.</summary>
[Collection("cluster")]
public sealed class HotReloadTests(ClusterFixture fixture)
{
    private PostgresDatabase Db => fixture.Database;
    private Omni2Cluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Row_inserted_by_another_tool_is_picked_up_by_the_scan_reminder()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = ClusterFixture.UniqueName("scanned");
        await Cluster.Registry.ReloadNowAsync(); // the registry is active, its reminder ticking

        await InsertWithoutNotifyAsync(name, server.StreamableHttpEndpoint);

        // No reload call, no NOTIFY (the row's triggers did not fire) and no call to the grain (its
        // activation alone would load the row): only the 2 s scan reminder can bring the server up.
        await Eventually.MatchesAsync(
            () => Task.FromResult(Cluster.EventsOf(name).Select(e => e.NewStatus).ToList()),
            statuses => statuses.Contains(HealthStatus.Healthy),
            TimeSpan.FromSeconds(15),
            "the scan reminder to bring the new row up");
    }

    /// <summary>Inserts a row as a replica would: its triggers, the NOTIFY among them, do not fire.</summary>
    private async Task InsertWithoutNotifyAsync(string name, Uri url)
    {
        await using var connection = new NpgsqlConnection(Db.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var quiet = new NpgsqlCommand("SET LOCAL session_replication_role = replica", connection, transaction))
        {
            await quiet.ExecuteNonQueryAsync();
        }
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO omni2.mcp_servers (name, transport, url, health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds) VALUES ($1, 'streamable_http', $2, 1, 2, 2)",
            connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = name });
            insert.Parameters.Add(new NpgsqlParameter { Value = url.ToString() });
            await insert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task Changed_row_reconnects_the_grain_to_the_new_address()
    {
        await using var first = await TestMcpServer.StartAsync();
        await using var second = await TestMcpServer.StartAsync();
        await second.AddToolAsync("only_on_second");
        var name = ClusterFixture.UniqueName("moved");
        await Db.InsertHttpAsync(name, first.StreamableHttpEndpoint);
        await Cluster.Registry.ReloadNowAsync();
        await Cluster.WaitForStatusAsync(name, HealthStatus.Healthy);

        await Db.ExecuteAsync("UPDATE omni2.mcp_servers SET url = $2, updated_at = now() WHERE name = $1", name, second.StreamableHttpEndpoint.ToString());
        // The explicit reload or the 2 s scan reminder, whichever comes first, applies the change.
        await Cluster.Registry.ReloadNowAsync();

        var snapshot = await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetSnapshotAsync(),
            s => s.Status.Status == HealthStatus.Healthy && s.Tools.Any(t => t.Name == "only_on_second"),
            TimeSpan.FromSeconds(10),
            "the grain connected to the new address");
        Assert.Equal(HealthStatus.Healthy, snapshot.Status.Status);
        var call = await Cluster.Server(name).CallToolAsync(new ToolCallRequest("echo", """{"message":"x"}"""));
        Assert.Equal(ToolCallOutcome.Completed, call.Outcome);
        Assert.Equal(1, second.ToolCallCount);
        Assert.Equal(0, first.ToolCallCount);
    }

    [Fact]
    public async Task Deleted_row_retires_the_grain_its_reminder_and_its_state()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.RegisterHealthyAsync(server, "deleted");
        Assert.Equal(1, await Db.RemindersOfAsync(name));

        await Db.ExecuteAsync("DELETE FROM omni2.mcp_servers WHERE name = $1", name);
        var scan = await Cluster.Registry.ReloadNowAsync();

        Assert.True(scan.Retired >= 1);
        Assert.Equal(0, await Db.RemindersOfAsync(name));
        await Eventually.MatchesAsync(
            () => Task.FromResult(Cluster.EventsOf(name).Select(e => e.Type).ToList()),
            types => types.Contains(StatusMessageTypes.ServerRemoved),
            TimeSpan.FromSeconds(5),
            "server_removed on the stream");
        var requests = server.RequestCount;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(requests, server.RequestCount);
        var status = await Cluster.Server(name).GetStatusAsync();
        Assert.Equal(HealthStatus.Unknown, status.Status);
        Assert.Equal(0, status.ToolCount);
    }

    [Fact]
    public async Task Disabled_row_retires_the_grain_and_enabling_it_reconnects()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.RegisterHealthyAsync(server, "toggled");

        await Db.ExecuteAsync("UPDATE omni2.mcp_servers SET enabled = false WHERE name = $1", name);
        await Cluster.Registry.ReloadNowAsync();

        Assert.Equal(0, await Db.RemindersOfAsync(name));
        Assert.Equal("disabled", (await Db.StatusRowAsync(name))!.HealthStatus);

        await Db.ExecuteAsync("UPDATE omni2.mcp_servers SET enabled = true WHERE name = $1", name);
        await Cluster.Registry.ReloadNowAsync();

        await Cluster.WaitForStatusAsync(name, HealthStatus.Healthy);
        Assert.Equal(1, await Db.RemindersOfAsync(name));
        var log = await Db.HealthLogAsync(name);
        Assert.Equal(
            ["connected", "manually_disabled", "manually_enabled", "connected"],
            log.Select(r => r.EventType));
        Assert.Equal("disabled in configuration", log[1].Reason);
    }

    [Fact]
    public async Task Scan_with_no_changes_touches_no_server()
    {
        await using var server = await TestMcpServer.StartAsync();
        await fixture.RegisterHealthyAsync(server, "untouched");
        await Cluster.Registry.ReloadNowAsync();

        var scan = await Cluster.Registry.ReloadNowAsync();

        Assert.Equal(0, scan.Added + scan.Changed + scan.Retired);
        Assert.True(scan.Unchanged >= 1, "the scan saw the registered server");
        Assert.Equal(0, scan.Woken);
    }
}
