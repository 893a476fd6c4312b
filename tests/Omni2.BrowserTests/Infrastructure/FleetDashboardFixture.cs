using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Omni2.Testing;

namespace Omni2.BrowserTests.Infrastructure;

/// <summary>
/// One real host on a fresh PostgreSQL database watching 1,000 servers of one fleet process, and one
/// headless Chromium: the dashboard at the scale an operator with a large fleet sees, its snapshot in pages.
/// </summary>
public sealed class FleetDashboardFixture : IAsyncLifetime
{
    public const int Size = 1000;

    private IPlaywright _playwright = null!;

    public PostgresDatabase Database { get; private set; } = null!;

    public FleetProcess Fleet { get; private set; } = null!;

    public ApiHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public static string Name(int server) => $"fleet-{server:00000}";

    public async Task InitializeAsync()
    {
        (_playwright, Browser) = await Chromium.LaunchAsync();
        Database = await PostgresDatabase.CreateAsync();
        Fleet = await FleetProcess.StartAsync(Size);
        await Database.InsertFleetAsync(Fleet, Size, intervalSeconds: 5);
        Host = new ApiHost(Database.ConnectionString, $"omni2-fleet-browser-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            // A thousand servers failing together retry at a pace two shared cores keep up with,
            // and none is auto-disabled while a test still holds it down.
            ["Omni2:Health:RetryInterval"] = "00:00:02",
            ["Omni2:Health:MaxBackoff"] = "00:00:05",
            ["Omni2:Health:DisableAfter"] = "00:30:00",
            ["Omni2:StatusFeed:CheckFlushInterval"] = "00:00:05",
            // The browser gets its snapshot of the thousand as four pages, as a fleet of 20,000 would with the default.
            ["Omni2:Realtime:SnapshotPageSize"] = "300",
        });
        Host.StartServer();
        await WaitForHealthyAsync();
    }

    /// <summary>Waits until the API shows every server of the fleet healthy (after a test revived what it killed).</summary>
    public async Task WaitForHealthyAsync()
    {
        using var admin = Host.ClientAs("admin");
        await Eventually.MatchesAsync(
            async () => (await admin.GetFromJsonAsync<JsonElement>("/api/v1/mcp/status")).GetProperty("servers").EnumerateArray()
                .Count(s => s.GetProperty("health_status").GetString() == "healthy"),
            healthy => healthy == Size, TimeSpan.FromSeconds(120), $"all {Size} fleet servers healthy");
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Host.DisposeAsync();
        await Fleet.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition("fleet-dashboard")]
public sealed class FleetDashboardCollection : ICollectionFixture<FleetDashboardFixture>;
