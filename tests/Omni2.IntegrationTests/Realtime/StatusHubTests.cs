using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Omni2.Contracts;
using Omni2.IntegrationTests.Api;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Realtime;

/// <summary>The hub on every silo, with its limits, against real SignalR clients.</summary>
[Collection("realtime")]
public sealed class StatusHubTests(RealtimeFixture fixture)
{
    /// <summary>Messages more than the hub's 10 a second that a client may see in one second of arrivals (see the burst test).</summary>
    private const int ArrivalSlack = 3;

    private static Task WaitForAsync(RealtimeClient client, Func<JsonElement, bool> match, string what, TimeSpan? timeout = null) =>
        Eventually.MatchesAsync(() => Task.FromResult(client.Events()), events => events.Any(match), timeout ?? TimeSpan.FromSeconds(15), what);

    private static bool IsStatus(JsonElement e, string server, string status) =>
        e.TryGetProperty("mcp_name", out var name) && name.GetString() == server
        && e.TryGetProperty("new_status", out var s) && s.GetString() == status;

    private async Task<(List<string> Names, List<TestMcpServer> Servers)> RegisterAsync(int count, string prefix, string extra = "")
    {
        var names = new List<string>();
        var servers = new List<TestMcpServer>();
        for (var i = 0; i < count; i++)
        {
            var server = await TestMcpServer.StartAsync();
            servers.Add(server);
            names.Add(await fixture.A.RegisterHealthyAsync(server, prefix, extra));
        }
        return (names, servers);
    }

    [Fact]
    public async Task Clients_on_both_silos_get_the_snapshot_and_every_transition_wherever_the_grain_lives()
    {
        await using var onA = await RealtimeClient.ConnectAsync(fixture.A, fixture.A.Token("viewer"));
        await using var onB = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("viewer"));
        var (names, servers) = await RegisterAsync(4, "spread");

        foreach (var server in servers)
        {
            await server.StopAsync();
        }

        foreach (var client in new[] { onA, onB })
        {
            Assert.Equal("snapshot", client.Events()[0].GetProperty("type").GetString());
            foreach (var name in names)
            {
                await WaitForAsync(client, e => IsStatus(e, name, "healthy"), $"{name} healthy");
                // Under the rate limit a server's disconnect may be coalesced into its next recovery attempt.
                await WaitForAsync(client, e => IsStatus(e, name, "disconnected"), $"{name} disconnected");
            }
            var change = client.Events().First(e => IsStatus(e, names[0], "disconnected"));
            Assert.Contains(change.GetProperty("old_status").GetString(), new[] { "healthy", "disconnected" });
            Assert.Equal(JsonValueKind.String, change.GetProperty("timestamp").ValueKind);
            Assert.Equal(JsonValueKind.String, change.GetProperty("reason").ValueKind);
            Assert.EndsWith("s", change.GetProperty("recovery_eta").GetString());
        }
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Recovery_progress_and_circuit_opened_carry_the_attempt()
    {
        await using var client = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("operator"));
        var (names, servers) = await RegisterAsync(1, "progress");
        await using var _ = servers[0];

        await servers[0].StopAsync();

        // Under the rate limit some attempts may be coalesced away; those that arrive count up.
        await WaitForAsync(client, e => IsStatus(e, names[0], "circuit_open"), "the circuit open");
        await WaitForAsync(client, e => e.GetProperty("type").GetString() == "recovery_progress" && e.GetProperty("mcp_name").GetString() == names[0], "recovery_progress");
        var progress = client.Events()
            .Where(e => e.GetProperty("type").GetString() is "recovery_progress" or "circuit_opened" && e.GetProperty("mcp_name").GetString() == names[0])
            .ToList();
        var attempts = progress.Select(e => e.GetProperty("attempt").GetInt32()).ToList();
        Assert.All(attempts, a => Assert.True(a >= 1));
        Assert.Equal(attempts.Order(), attempts);
        Assert.Equal(attempts.Count, attempts.Distinct().Count());
        Assert.All(progress, e => Assert.Equal(JsonValueKind.String, e.GetProperty("next_attempt_at").ValueKind));
    }

    [Fact]
    public async Task A_viewer_never_receives_events_of_a_server_hidden_from_its_role()
    {
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.A, fixture.A.Token("viewer"));
        await using var op = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("operator"));
        var (names, servers) = await RegisterAsync(1, "hidden", ""","allowed_roles":["operator"]""");
        await using var _ = servers[0];

        await servers[0].StopAsync();
        await WaitForAsync(op, e => IsStatus(e, names[0], "circuit_open"), "the operator sees the circuit open");
        await using var lateViewer = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("viewer"));
        await Task.Delay(500);

        Assert.False(viewer.Mentions(names[0]));
        Assert.False(lateViewer.Mentions(names[0]));
    }

    [Fact]
    public async Task A_burst_of_transitions_stays_within_ten_messages_a_second_and_ends_in_the_true_state()
    {
        var (names, servers) = await RegisterAsync(20, "burst");
        await using var onA = await RealtimeClient.ConnectAsync(fixture.A, fixture.A.Token("viewer"));
        await using var onB = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("viewer"));
        var grains = fixture.A.Services.GetRequiredService<IGrainFactory>();

        // About 200 transitions: each round is manually_disabled, manually_enabled, connected.
        var transitionsBefore = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_health_log");
        await Task.WhenAll(names.Select(async name =>
        {
            var grain = grains.GetGrain<IMcpServerGrain>(name);
            for (var round = 0; round < 3; round++)
            {
                await grain.DisableAsync("burst");
                await grain.EnableAsync();
            }
            if (names.IndexOf(name) % 2 == 0)
            {
                await grain.DisableAsync("burst ends disabled");
            }
        }));
        var transitions = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_health_log") - transitionsBefore;
        Assert.True(transitions >= 190, $"only {transitions} transitions");

        using var viewer = fixture.A.ClientAs("viewer");
        foreach (var client in new[] { onA, onB })
        {
            var truth = names.ToDictionary(n => n, n => names.IndexOf(n) % 2 == 0 ? "disabled" : "healthy");
            await Eventually.MatchesAsync(
                () => Task.FromResult(client.LatestStatuses()),
                latest => names.All(n => latest.TryGetValue(n, out var s) && s.GetProperty("health_status").GetString() == truth[n]),
                TimeSpan.FromSeconds(10),
                "every server's final state on the client");
            // The hub sends at most 10 in any second by its own clock; these are arrival times, to which the network
            // and this client's scheduling add jitter that can move a message into the next second. Slack of 3 for
            // that, far under the ~200 messages an unthrottled burst brings.
            var times = client.Messages.Select(m => m.At).Order().ToList();
            var busiest = times.Max(start => times.Count(t => t >= start && t < start + TimeSpan.FromSeconds(1)));
            Assert.True(busiest <= 10 + ArrivalSlack, $"{busiest} messages within one second");
        }
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Handshake_without_a_valid_token_is_refused()
    {
        foreach (var token in new[] { null, fixture.A.Token("viewer", lifetime: TimeSpan.FromMinutes(-5)), "not-a-token" })
        {
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => RealtimeClient.ConnectAsync(fixture.A, token));
            Assert.Contains("401", refused.Message);
        }
    }

    [Fact]
    public async Task A_session_ends_at_its_limit_with_a_reason()
    {
        var settings = new Dictionary<string, string?>(fixture.Settings) { ["Omni2:Realtime:SessionLimit"] = "00:00:03" };
        await using var shortSessions = new ApiHost(fixture.Database.ConnectionString, fixture.ServiceId, settings);
        shortSessions.StartServer();
        await using var client = await RealtimeClient.ConnectAsync(shortSessions, shortSessions.Token("viewer"));
        var connectedAt = DateTimeOffset.UtcNow;

        await Eventually.MatchesAsync(() => Task.FromResult(client.ClosedAt), closed => closed is not null, TimeSpan.FromSeconds(10), "the server to close the session");

        var farewell = client.Events().Last();
        Assert.Equal("session_expired", farewell.GetProperty("type").GetString());
        Assert.Contains("reconnect with a fresh token", farewell.GetProperty("reason").GetString());
        // Not before its limit (less the time the handshake took to report back); that it ends at all, the wait above shows.
        var lasted = client.ClosedAt!.Value - connectedAt;
        Assert.True(lasted >= TimeSpan.FromSeconds(2.5), $"the session ended after {lasted.TotalSeconds:0.0} s, before its 3 s limit");
    }

    [Fact]
    public async Task Several_servers_failing_together_raise_one_critical_alert_on_the_hub_and_the_webhook()
    {
        var (names, servers) = await RegisterAsync(5, "crit");
        await using var client = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("viewer"));
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // a quiet window: earlier tests' failures end their burst
        var webhookBefore = fixture.Webhooks.Received.Count;

        await Task.WhenAll(servers.Select(s => s.StopAsync()));

        // A webhook that hangs must not hold the hub back: the hub has the alert while the hanging delivery
        // still waits for its 30 s timeout (Omni2:Alerts:WebhookTimeout), well past this generous deadline.
        await WaitForAsync(client, e => e.GetProperty("type").GetString() == "critical_alert", "critical_alert on the hub", TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var alerts = client.Events().Where(e => e.GetProperty("type").GetString() == "critical_alert").ToList();
        Assert.Single(alerts);
        Assert.True(alerts[0].GetProperty("servers").GetArrayLength() >= 3);
        Assert.All(alerts[0].GetProperty("servers").EnumerateArray(), s => Assert.Contains(s.GetString(), names));

        var hooks = fixture.Webhooks.Received.Skip(webhookBefore).Where(r => r.Body.GetProperty("type").GetString() == "critical_alert").ToList();
        Assert.Single(hooks);
        Assert.Contains("MCP servers failed within", hooks[0].Body.GetProperty("text").GetString());
        Assert.True(fixture.Webhooks.HangingRequests >= 1);
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }
}
