using Microsoft.Playwright;
using Omni2.Testing;

namespace Omni2.BrowserTests.Infrastructure;

/// <summary>One real host on a fresh PostgreSQL database, and one headless Chromium to look at its dashboard.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    public PostgresDatabase Database { get; private set; } = null!;

    public ApiHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (_playwright, Browser) = await Chromium.LaunchAsync();
        Database = await PostgresDatabase.CreateAsync();
        // Checks run every second here; sending them every 5 s (a production-like pace) leaves the
        // fleet's representation unchanged between some polls, as the polling test needs to see a 304.
        Host = new ApiHost(Database.ConnectionString, $"omni2-browser-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Omni2:StatusFeed:CheckFlushInterval"] = "00:00:05",
        });
        Host.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition("dashboard")]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>;
