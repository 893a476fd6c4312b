using Microsoft.Extensions.DependencyInjection;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Catalog;

/// <summary>
/// One real host on a fresh database whose rows change behind the status feed's back: the NOTIFY triggers
/// (sql/012) are off and the registry's scan is an hour away, so no grain hears of a row and only the
/// catalog's resync, reading the rows changed since its last read, can bring a change. Every row is read
/// at start only (the full resync is an hour away too).
/// </summary>
public sealed class BehindTheFeedFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;

    public ApiHost Host { get; private set; } = null!;

    public ServerCatalog Catalog => Host.Services.GetRequiredService<ServerCatalog>();

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        await Database.ExecuteAsync("ALTER TABLE omni2.mcp_servers DISABLE TRIGGER mcp_servers_notify_insert_delete, DISABLE TRIGGER mcp_servers_notify_update");
        Host = new ApiHost(Database.ConnectionString, $"omni2-resync-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Omni2:Registry:ScanInterval"] = "01:00:00",
            ["Omni2:Catalog:ResyncInterval"] = "00:00:01",
            ["Omni2:Catalog:FullResyncInterval"] = "01:00:00",
            ["Omni2:Realtime:SnapshotPageSize"] = "3",
        });
        Host.StartServer();
    }

    /// <summary>A row the registry never hears of, with one tool.</summary>
    public async Task InsertAsync(string name)
    {
        await Database.InsertHttpAsync(name, new Uri("http://127.0.0.1:9/mcp"));
        await Database.ExecuteAsync("""UPDATE omni2.mcp_servers SET tools = '[{"name": "echo", "input_schema": {}}]'::jsonb, tool_count = 1 WHERE name = $1""", name);
    }

    public Task<CatalogEntry?> EventuallyAsync(string name, Func<CatalogEntry?, bool> condition, string what) =>
        Eventually.MatchesAsync(() => Task.FromResult(Catalog.Current.Servers.GetValueOrDefault(name)), condition, TimeSpan.FromSeconds(60), what);

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class CatalogResyncTests(BehindTheFeedFixture fixture) : IClassFixture<BehindTheFeedFixture>
{
    [Fact]
    public async Task A_row_inserted_behind_the_feeds_back_reaches_the_catalog_with_its_tools()
    {
        await fixture.InsertAsync("resync-insert");

        var entry = await fixture.EventuallyAsync("resync-insert", e => e is not null && !e.Tools.IsDefaultOrEmpty, "the inserted row with its tools");

        Assert.Equal("echo", Assert.Single(entry!.Tools).Name);
    }

    [Fact]
    public async Task A_status_written_behind_the_feeds_back_is_healed_at_the_next_resync()
    {
        await fixture.InsertAsync("resync-status");
        await fixture.EventuallyAsync("resync-status", e => e is not null, "the inserted row");

        await fixture.Database.ExecuteAsync("UPDATE omni2.mcp_servers SET health_status = 'circuit_open', status_version = status_version + 1 WHERE name = 'resync-status'");

        var entry = await fixture.EventuallyAsync("resync-status", e => e?.Status.Status == HealthStatus.CircuitOpen, "the status written behind the feed's back");
        Assert.Equal("echo", Assert.Single(entry!.Tools).Name); // its tools, not read again, are kept
    }

    [Fact]
    public async Task A_row_deleted_behind_the_feeds_back_leaves_the_catalog_at_the_next_resync()
    {
        await fixture.InsertAsync("resync-delete");
        await fixture.EventuallyAsync("resync-delete", e => e is not null, "the inserted row");

        await fixture.Database.ExecuteAsync("DELETE FROM omni2.mcp_servers WHERE name = 'resync-delete'");

        await fixture.EventuallyAsync("resync-delete", e => e is null, "the deleted row gone from the catalog");
    }
}
