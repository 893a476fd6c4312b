using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Omni2.Contracts;
using Omni2.Host.Catalog;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Realtime;

/// <summary>
/// No hub message names a server its recipient may not see: not an event, not a check, not a
/// <c>critical_alert</c>'s list, text or count. Checked on the raw JSON each real client received.
/// </summary>
[Collection("realtime")]
public sealed class HiddenServerTests(RealtimeFixture fixture)
{
    private const string AdminOnly = ""","allowed_roles":["admin"]""";

    private static bool IsAlert(JsonElement e) => e.GetProperty("type").GetString() == StatusMessageTypes.CriticalAlert;

    private static Task WaitForAsync(RealtimeClient client, Func<JsonElement, bool> match, string what) =>
        Eventually.MatchesAsync(() => Task.FromResult(client.Events()), events => events.Any(match), TimeSpan.FromSeconds(15), what);

    private static List<string> Names(JsonElement alert) => [.. alert.GetProperty("servers").EnumerateArray().Select(s => s.GetString()!)];

    private static void AssertNeverNamed(RealtimeClient client, IEnumerable<string> hidden)
    {
        foreach (var name in hidden)
        {
            var leak = client.Messages.Select(m => m.Message.GetRawText()).FirstOrDefault(raw => raw.Contains(name, StringComparison.Ordinal));
            Assert.True(leak is null, $"'{name}' reached a client that may not see it: {leak}");
        }
    }

    private async Task<(string Name, TestMcpServer Server)> RegisterAsync(string prefix, string extra = "")
    {
        var server = await TestMcpServer.StartAsync();
        return (await fixture.A.RegisterHealthyAsync(server, prefix, extra, fixture.B), server);
    }

    /// <summary>Stops the servers together after a quiet window (earlier tests' failures end their burst first).</summary>
    private static async Task FailTogetherAsync(IEnumerable<TestMcpServer> servers)
    {
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await Task.WhenAll(servers.Select(s => s.StopAsync()));
    }

    [Fact]
    public async Task A_viewer_hears_nothing_of_hidden_servers_failing_together_while_an_admin_gets_the_alert()
    {
        var hidden = new List<(string Name, TestMcpServer Server)>();
        for (var i = 0; i < 5; i++)
        {
            hidden.Add(await RegisterAsync("secret", AdminOnly));
        }
        var names = hidden.Select(h => h.Name).ToList();
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("viewer"));
        await using var admin = await RealtimeClient.ConnectAsync(fixture.A, fixture.A.Token("admin"));

        await FailTogetherAsync(hidden.Select(h => h.Server));

        await WaitForAsync(admin, IsAlert, "the admin's critical_alert");
        var alert = admin.Events().First(IsAlert);
        Assert.Equal(names.Order(), Names(alert).Order());
        Assert.StartsWith("5 MCP servers failed within 2 s: ", alert.GetProperty("reason").GetString());
        await Task.Delay(TimeSpan.FromSeconds(3)); // the transitions, recovery attempts and checks that follow
        Assert.DoesNotContain(viewer.Events(), IsAlert);
        AssertNeverNamed(viewer, names);
        foreach (var (_, server) in hidden)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_viewer_who_may_see_two_of_five_failing_servers_gets_an_alert_naming_and_counting_only_those_two()
    {
        var visible = new[] { await RegisterAsync("open"), await RegisterAsync("open") };
        var hidden = new List<(string Name, TestMcpServer Server)>();
        for (var i = 0; i < 3; i++)
        {
            hidden.Add(await RegisterAsync("secret", AdminOnly));
        }
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.A, fixture.A.Token("viewer"));
        await using var admin = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("admin"));

        await FailTogetherAsync(visible.Concat(hidden).Select(s => s.Server));

        await WaitForAsync(viewer, IsAlert, "the viewer's critical_alert");
        await WaitForAsync(admin, IsAlert, "the admin's critical_alert");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var alerts = viewer.Events().Where(IsAlert).ToList();
        Assert.Single(alerts);
        var shown = Names(alerts[0]);
        Assert.Equal(visible.Select(v => v.Name).Order(), shown.Order());
        Assert.Equal(CriticalAlertText.Describe(shown, TimeSpan.FromSeconds(2)), alerts[0].GetProperty("reason").GetString());
        AssertNeverNamed(viewer, hidden.Select(h => h.Name));
        Assert.Equal(5, Names(admin.Events().First(IsAlert)).Count);
        foreach (var (_, server) in visible.Concat(hidden))
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_server_whose_roles_change_to_exclude_a_viewer_is_removed_for_it_and_nothing_of_it_follows()
    {
        var (name, server) = await RegisterAsync("narrowed");
        await using var _ = server;
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("viewer"));
        await WaitForAsync(viewer, e => e.TryGetProperty("snapshot", out var snapshot) && snapshot.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name), "the server in the viewer's snapshot");
        using var admin = fixture.A.ClientAs("admin");

        var replaced = await admin.PutAsync($"/api/v1/mcp/servers/{name}", Json(HttpServer(name, server.StreamableHttpEndpoint, AdminOnly)));
        replaced.EnsureSuccessStatusCode();

        await WaitForAsync(viewer, e => e.GetProperty("type").GetString() == StatusMessageTypes.ServerRemoved && e.GetProperty("mcp_name").GetString() == name, "server_removed");
        var removed = viewer.Events().Last(e => e.GetProperty("type").GetString() == StatusMessageTypes.ServerRemoved && e.GetProperty("mcp_name").GetString() == name);
        Assert.Equal("no longer visible to you", removed.GetProperty("reason").GetString());
        Assert.False(removed.TryGetProperty("status", out var _), "a removal carries nothing of what the server became");
        Assert.DoesNotContain(viewer.Events(), e => e.GetProperty("type").GetString() == StatusMessageTypes.ServerUpdated && e.GetProperty("mcp_name").GetString() == name);
        var mentions = viewer.Messages.Count(m => m.Message.GetRawText().Contains(name, StringComparison.Ordinal));
        await server.StopAsync();
        await admin.WaitForHealthAsync(name, "disconnected");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(mentions, viewer.Messages.Count(m => m.Message.GetRawText().Contains(name, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_server_whose_roles_change_to_include_a_viewer_appears_for_it()
    {
        var (name, server) = await RegisterAsync("widened", AdminOnly);
        await using var _ = server;
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.A, fixture.A.Token("viewer"));
        using var admin = fixture.B.ClientAs("admin");

        var replaced = await admin.PutAsync($"/api/v1/mcp/servers/{name}", Json(HttpServer(name, server.StreamableHttpEndpoint)));
        replaced.EnsureSuccessStatusCode();

        await Eventually.MatchesAsync(
            () => Task.FromResult(viewer.LatestStatuses()),
            latest => latest.ContainsKey(name),
            TimeSpan.FromSeconds(15),
            "the server's status on the viewer's client");
    }

    [Fact]
    public async Task A_late_event_from_before_a_restriction_shows_the_server_to_no_viewer_again()
    {
        var (name, server) = await RegisterAsync("late");
        await using var _ = server;
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.B, fixture.B.Token("viewer"));
        await WaitForAsync(viewer, e => e.TryGetProperty("snapshot", out var snapshot) && snapshot.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name), "the server in the viewer's snapshot");
        var before = fixture.B.Services.GetRequiredService<ServerCatalog>().Current.Servers[name];
        var late = new McpStatusEvent
        {
            Type = StatusMessageTypes.StatusChange,
            Timestamp = DateTimeOffset.UtcNow,
            McpName = name,
            OldStatus = HealthStatus.Healthy,
            NewStatus = HealthStatus.Healthy,
            Status = before.Status,
            Server = before.Server,
        };
        using var admin = fixture.A.ClientAs("admin");
        (await admin.PutAsync($"/api/v1/mcp/servers/{name}", Json(HttpServer(name, server.StreamableHttpEndpoint, AdminOnly)))).EnsureSuccessStatusCode();
        await WaitForAsync(viewer, e => e.GetProperty("type").GetString() == StatusMessageTypes.ServerRemoved && e.GetProperty("mcp_name").GetString() == name, "server_removed");
        var mentions = viewer.Messages.Count(m => m.Message.GetRawText().Contains(name, StringComparison.Ordinal));

        // Delivered to B's receiver as the feed would deliver an event that was overtaken on its way.
        var feed = fixture.B.Services.GetServices<IHostedService>().OfType<CatalogFeed>().Single();
        await feed.OnEventsAsync([late]);

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(["admin"], fixture.B.Services.GetRequiredService<ServerCatalog>().Current.Servers[name].Server.AllowedRoles.ToArray());
        using var restClient = fixture.B.ClientAs("viewer");
        Assert.Equal(JsonValueKind.Undefined, (await restClient.ServerViewAsync(name)).ValueKind);
        Assert.Equal(mentions, viewer.Messages.Count(m => m.Message.GetRawText().Contains(name, StringComparison.Ordinal)));
    }
}
