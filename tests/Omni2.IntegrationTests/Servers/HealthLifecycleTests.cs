using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.IntegrationTests.Servers;

/// <summary>The state machine of docs/design.md, end to end: real MCP server, two silos, PostgreSQL.</summary>
[Collection("cluster")]
public sealed class HealthLifecycleTests(ClusterFixture fixture)
{
    private PostgresDatabase Db => fixture.Database;
    private Omni2Cluster Cluster => fixture.Cluster;

    private async Task<(string Name, TestMcpServer Server)> RegisterHealthyAsync(string prefix, int intervalSeconds = 1)
    {
        var server = await TestMcpServer.StartAsync();
        return (await fixture.RegisterHealthyAsync(server, prefix, intervalSeconds), server);
    }

    private Task<List<LogRow>> WaitForLogAsync(string name, Func<List<LogRow>, bool> condition, string what) =>
        Eventually.MatchesAsync(() => Db.HealthLogAsync(name), condition, TimeSpan.FromSeconds(10), what);

    [Fact]
    public async Task Registered_server_becomes_healthy_with_its_tools_cached_and_one_connected_row()
    {
        var (name, server) = await RegisterHealthyAsync("healthy");
        await using var _ = server;

        var snapshot = await Cluster.Server(name).GetSnapshotAsync();
        Assert.Equal(server.ToolNames.Order(), snapshot.Tools.Select(t => t.Name).Order());
        Assert.Contains("\"message\"", snapshot.Tools.Single(t => t.Name == "echo").InputSchemaJson);
        var log = await WaitForLogAsync(name, l => l.Count > 0, "the connected row");
        Assert.Equal([new LogRow("connected", "unknown", "healthy", "connected")], log);
        var row = await Db.StatusRowAsync(name);
        Assert.Equal(new StatusRow("healthy", "closed", 0, server.ToolNames.Count, null), row);
    }

    [Fact]
    public async Task Dead_server_disconnects_opens_the_circuit_after_five_failures_and_closes_it_when_back()
    {
        var (name, server) = await RegisterHealthyAsync("dies");
        await using var _ = server;

        await server.StopAsync();
        var open = await Cluster.WaitForStatusAsync(name, HealthStatus.CircuitOpen);
        Assert.Equal(5, open.ConsecutiveFailures);
        Assert.Equal(CircuitState.Open, open.Circuit);
        Assert.NotNull(open.NextAttemptAt);
        // GetStatus interleaves with the grain's turn, so it can see the transition while its row is being written.
        var expected = new StatusRow("circuit_open", "open", 5, server.ToolNames.Count, open.LastError);
        Assert.Equal(expected, await Eventually.MatchesAsync(() => Db.StatusRowAsync(name), r => r == expected, TimeSpan.FromSeconds(5), "the circuit_open row"));

        await server.RestartAsync();
        var healthy = await Cluster.WaitForStatusAsync(name, HealthStatus.Healthy);
        Assert.Equal(0, healthy.ConsecutiveFailures);

        var log = await WaitForLogAsync(name, l => l.LastOrDefault()?.EventType == "circuit_closed", "circuit_closed");
        var events = log.Select(r => $"{r.EventType}:{r.OldStatus}->{r.NewStatus}").ToList();
        Assert.Equal(
            [
                "connected:unknown->healthy",
                "disconnected:healthy->disconnected",
                "recovery_attempt:disconnected->disconnected",
                "recovery_attempt:disconnected->disconnected",
                "recovery_attempt:disconnected->disconnected",
                "circuit_opened:disconnected->circuit_open",
            ],
            events.Take(6));
        Assert.All(events.Skip(6).SkipLast(1), e => Assert.Equal("recovery_attempt:circuit_open->circuit_open", e));
        Assert.Equal("circuit_closed:circuit_open->healthy", events[^1]);
    }

    [Fact]
    public async Task Every_transition_is_published_on_the_status_stream_as_logged()
    {
        var (name, server) = await RegisterHealthyAsync("stream");
        await using var _ = server;
        await server.StopAsync();
        await Cluster.WaitForStatusAsync(name, HealthStatus.CircuitOpen);

        // The grain reports its status a moment before its log row is written.
        var log = await WaitForLogAsync(name, l => l.Any(r => r.EventType == "circuit_opened"), "circuit_opened in the log");
        var published = await Eventually.MatchesAsync(
            () => Task.FromResult(Cluster.EventsOf(name).Where(e => e.Event is not null).ToList()),
            events => events.Count >= log.Count,
            TimeSpan.FromSeconds(10),
            "every transition on the stream");

        Assert.Equal(log.Select(r => r.EventType), published.Take(log.Count).Select(e => e.Event!.Value.ToWire()));
        var opened = published.Single(e => e.Event == HealthEventType.CircuitOpened);
        Assert.Equal(StatusMessageTypes.CircuitOpened, opened.Type);
        Assert.Equal(HealthStatus.Disconnected, opened.OldStatus);
        Assert.Equal(HealthStatus.CircuitOpen, opened.NewStatus);
        Assert.NotNull(opened.RecoveryEta);
        Assert.Equal(StatusMessageTypes.RecoveryProgress, published.First(e => e.Event == HealthEventType.RecoveryAttempt).Type);
        Assert.Equal(StatusMessageTypes.StatusChange, published.First(e => e.Event == HealthEventType.Disconnected).Type);
    }

    [Fact]
    public async Task Long_outage_auto_disables_the_server_and_attempts_stop_until_an_admin_enables_it()
    {
        var (name, server) = await RegisterHealthyAsync("outage");
        await using var _ = server;

        await server.StopAsync();
        var disabled = await Cluster.WaitForStatusAsync(name, HealthStatus.Disabled, TimeSpan.FromSeconds(30));
        Assert.Null(disabled.NextAttemptAt);
        var log = await WaitForLogAsync(name, l => l.LastOrDefault()?.EventType == "auto_disabled", "auto_disabled");
        Assert.Equal("circuit_open", log[^1].OldStatus);
        Assert.Equal("disabled", log[^1].NewStatus);
        Assert.Contains("auto-disabled", log[^1].Reason);

        await server.RestartAsync();
        var requestsBefore = server.RequestCount;
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(HealthStatus.Disabled, (await Cluster.Server(name).GetStatusAsync()).Status);
        Assert.Equal(log.Count, (await Db.HealthLogAsync(name)).Count);
        Assert.Equal(requestsBefore, server.RequestCount);

        var enabled = await Cluster.Server(name).EnableAsync();
        Assert.Equal(HealthStatus.Healthy, enabled.Status);
        var after = await Db.HealthLogAsync(name);
        Assert.Equal(["auto_disabled", "manually_enabled", "connected"], after.TakeLast(3).Select(r => r.EventType));
    }

    [Fact]
    public async Task Admin_disable_closes_the_server_and_enable_reconnects_it()
    {
        var (name, server) = await RegisterHealthyAsync("manual");
        await using var _ = server;

        var disabled = await Cluster.Server(name).DisableAsync("maintenance window");
        Assert.Equal(HealthStatus.Disabled, disabled.Status);
        var call = await Cluster.Server(name).CallToolAsync(new ToolCallRequest("echo", """{"message":"hi"}"""));
        Assert.Equal(ToolCallOutcome.Unavailable, call.Outcome);
        Assert.Contains("disabled", call.Detail);

        var enabled = await Cluster.Server(name).EnableAsync();
        Assert.Equal(HealthStatus.Healthy, enabled.Status);
        var log = await Db.HealthLogAsync(name);
        Assert.Equal(
            [new LogRow("connected", "unknown", "healthy", "connected"),
             new LogRow("manually_disabled", "healthy", "disabled", "maintenance window"),
             new LogRow("manually_enabled", "disabled", "unknown", "enabled by admin"),
             new LogRow("connected", "unknown", "healthy", "connected")],
            log);
    }

    [Fact]
    public async Task Circuit_reset_retries_at_once_instead_of_waiting_for_the_backoff()
    {
        var (name, server) = await RegisterHealthyAsync("reset");
        await using var _ = server;
        await server.StopAsync();
        await Cluster.WaitForStatusAsync(name, HealthStatus.CircuitOpen);
        await server.RestartAsync();

        var status = await Cluster.Server(name).ResetCircuitAsync();

        Assert.Equal(HealthStatus.Healthy, status.Status);
        var log = await Db.HealthLogAsync(name);
        var reset = log.FindLastIndex(r => r.Reason == "circuit reset by admin");
        Assert.True(reset >= 0, "the reset is logged");
        Assert.Equal(new LogRow("circuit_closed", "circuit_open", "disconnected", "circuit reset by admin"), log[reset]);
        Assert.Equal("recovery_success", log[reset + 1].EventType);
    }

    [Fact]
    public async Task Hanging_server_is_disconnected_after_its_check_timeout_without_stalling_other_servers()
    {
        var (hungName, hung) = await RegisterHealthyAsync("hangs");
        var (otherName, other) = await RegisterHealthyAsync("neighbour");
        await using var _ = hung;
        await using var __ = other;

        hung.Mode = TestServerMode.Hang;
        var disconnected = await Cluster.WaitForStatusAsync(hungName, HealthStatus.Disconnected, TimeSpan.FromSeconds(15));
        Assert.Contains("timed out", disconnected.LastError);

        var call = await Cluster.Server(otherName).CallToolAsync(new ToolCallRequest("echo", """{"message":"still here"}"""));
        Assert.Equal(ToolCallOutcome.Completed, call.Outcome);
        Assert.Equal(HealthStatus.Healthy, (await Cluster.Server(otherName).GetStatusAsync()).Status);
    }

    [Theory]
    [InlineData(TestServerMode.Error)]
    [InlineData(TestServerMode.Garbage)]
    public async Task Misbehaving_server_is_disconnected_and_recovers_when_it_behaves(TestServerMode mode)
    {
        var (name, server) = await RegisterHealthyAsync(mode.ToString().ToLowerInvariant());
        await using var _ = server;

        server.Mode = mode;
        var down = await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetStatusAsync(),
            s => s.Status is HealthStatus.Disconnected or HealthStatus.CircuitOpen,
            TimeSpan.FromSeconds(15),
            "a failing status");
        Assert.False(string.IsNullOrEmpty(down.LastError));

        server.Mode = TestServerMode.Normal;
        await Cluster.WaitForStatusAsync(name, HealthStatus.Healthy);
    }

    [Fact]
    public async Task Changed_tool_list_is_picked_up_from_the_servers_notification()
    {
        var (name, server) = await RegisterHealthyAsync("toolchange", intervalSeconds: 60);
        await using var _ = server;

        await server.AddToolAsync("added_later");

        var snapshot = await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetSnapshotAsync(),
            s => s.Tools.Any(t => t.Name == "added_later"),
            TimeSpan.FromSeconds(10),
            "the new tool in the cache");
        Assert.Equal(server.ToolNames.Count, snapshot.Status.ToolCount);
        await Eventually.MatchesAsync(() => Db.StatusRowAsync(name), r => r!.ToolCount == server.ToolNames.Count, TimeSpan.FromSeconds(5), "tool_count in the row");
        Assert.Contains(Cluster.EventsOf(name), e => e.Type == StatusMessageTypes.ToolsChanged);
    }
}
