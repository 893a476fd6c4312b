using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Omni2.Contracts;
using Omni2.Host.Catalog;
using Omni2.Host.Realtime;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Realtime;

/// <summary>A status-feed listener that throws on everything it is given.</summary>
public sealed class FailingListener : IStatusEventListener
{
    public int Calls;

    public void OnStatusEvent(McpStatusEvent message)
    {
        Interlocked.Increment(ref Calls);
        throw new InvalidOperationException("listener failure injected by the test");
    }

    public void OnChecks(ImmutableArray<ServerCheck> checks) => throw new InvalidOperationException("listener failure injected by the test");
}

/// <summary>One real host whose status feed has a failing listener ahead of the hub's and /mcp's.</summary>
public sealed class FailingListenerFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;

    public ApiHost Host { get; private set; } = null!;

    public FailingListener Listener { get; } = new();

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        Host = new ApiHost(Database.ConnectionString, $"omni2-fail-{Guid.NewGuid():N}",
            services: s => s.Insert(0, ServiceDescriptor.Singleton<IStatusEventListener>(Listener)));
        Host.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>
/// Every background loop survives an item that throws: it logs it, counts it in
/// <c>omni2_background_failures_total</c> and goes on, and the host keeps running.
/// </summary>
public sealed class BackgroundFailureTests(FailingListenerFixture fixture) : IClassFixture<FailingListenerFixture>
{
    private static Task WaitForStatusAsync(RealtimeClient client, string name, string status) =>
        Eventually.MatchesAsync(
            () => Task.FromResult(client.LatestStatuses()),
            latest => latest.TryGetValue(name, out var s) && s.GetProperty("health_status").GetString() == status,
            TimeSpan.FromSeconds(15),
            $"'{name}' {status} on the hub client");

    private async Task<string> MetricsAsync()
    {
        using var anonymous = fixture.Host.ClientAs(null);
        return await anonymous.GetStringAsync("/metrics");
    }

    [Fact]
    public async Task A_listener_that_throws_stops_neither_the_catalog_nor_the_hub_nor_the_host()
    {
        await using var server = await TestMcpServer.StartAsync();
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.Host, fixture.Host.Token("viewer"));

        var name = await fixture.Host.RegisterHealthyAsync(server, "survivor");
        await WaitForStatusAsync(viewer, name, "healthy");
        await server.StopAsync();

        await WaitForStatusAsync(viewer, name, "disconnected");
        using var admin = fixture.Host.ClientAs("admin");
        await admin.WaitForHealthAsync(name, "disconnected");
        Assert.True(fixture.Listener.Calls > 1, "the failing listener was called for every event");
        var metrics = await MetricsAsync();
        Assert.Contains("omni2_background_failures_total{", metrics);
        Assert.Contains("loop=\"catalog_feed\"", metrics);
        (await admin.GetAsync("/health/live")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task An_event_the_hub_dispatcher_cannot_handle_is_counted_and_the_next_events_still_arrive()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.Host.RegisterHealthyAsync(server, "after-poison");
        await using var viewer = await RealtimeClient.ConnectAsync(fixture.Host, fixture.Host.Token("viewer"));
        await WaitForStatusAsync(viewer, name, "healthy");

        fixture.Host.Services.GetRequiredService<RealtimeDispatcher>().OnStatusEvent(new McpStatusEvent
        {
            Type = StatusMessageTypes.StatusChange,
            Timestamp = DateTimeOffset.UtcNow,
            McpName = null!, // what no grain sends: the dispatcher's handling of it throws
            OldStatus = HealthStatus.Healthy,
            NewStatus = HealthStatus.Disconnected,
            Status = new McpServerStatus { Name = "poison", Version = 1 },
        });
        await server.StopAsync();

        await WaitForStatusAsync(viewer, name, "disconnected");
        await Eventually.MatchesAsync(MetricsAsync, m => m.Contains("loop=\"realtime_dispatcher\""), TimeSpan.FromSeconds(10), "the dispatcher's failure counted");
    }
}
