using System.Diagnostics;
using Npgsql;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// The catalog's resync on a real PostgreSQL with N rows of 10 tools each: the read every silo made every 30 s
/// before issue 18 (every row, its lists spared by digest) and its apply, against a read of the rows changed since
/// the last read, with nothing changed and with a tenth of the servers changed (a mass failure's worth), and its apply.
/// </summary>
public static class CatalogReads
{
    public sealed record Cost(string What, double Milliseconds, int Rows);

    public static async Task<IReadOnlyList<Cost>> MeasureAsync(int servers)
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var tools = ToolsJson.Serialize(SyntheticCatalog.Rows(1)[0].Tools);
        await database.ExecuteAsync("""
            INSERT INTO omni2.mcp_servers (name, transport, url, health_status, tools, tool_count, status_version)
            SELECT format('srv-%s', lpad(i::text, greatest(4, length(i::text)), '0')), 'streamable_http', 'http://127.0.0.1:9/mcp', 'healthy', $1::jsonb, 10, 1
            FROM generate_series(0, $2 - 1) AS i
            """, tools, servers);
        await database.ExecuteAsync("VACUUM ANALYZE omni2.mcp_servers");
        await using var source = NpgsqlDataSource.Create(database.ConnectionString);
        var store = new PostgresServerStore(source);
        var catalog = new ServerCatalog();
        var costs = new List<Cost>();

        var (first, firstMs) = await TimeAsync(() => store.LoadCatalogAsync());
        costs.Add(new("first load: every row with its tools", firstMs, first.Rows.Count));
        catalog.Resync(first.Rows);
        var held = catalog.ListsHeld();
        var (full, fullMs) = await TimeAsync(() => store.LoadCatalogAsync(held));
        costs.Add(new("every row, tools spared by digest (the 30 s resync before)", fullMs, full.Rows.Count));
        costs.Add(new("  its apply to the catalog", Time(() => catalog.Resync(full.Rows)), full.Rows.Count));

        var (none, noneMs) = await TimeAsync(() => store.LoadCatalogAsync(changedAfter: first.Mark));
        costs.Add(new("rows changed since the last read: none", noneMs, none.Rows.Count));
        await database.ExecuteAsync("""
            UPDATE omni2.mcp_servers SET health_status = 'disconnected', consecutive_failures = 1, status_version = 2
            WHERE name IN (SELECT format('srv-%s', lpad(i::text, greatest(4, length(i::text)), '0')) FROM generate_series(0, $1 / 10 - 1) AS i)
            """, servers);
        var (tenth, tenthMs) = await TimeAsync(() => store.LoadCatalogAsync(changedAfter: first.Mark));
        costs.Add(new($"rows changed since the last read: {servers / 10:N0} statuses", tenthMs, tenth.Rows.Count));
        costs.Add(new("  its apply to the catalog", Time(() => catalog.Resync(tenth.Rows, complete: false)), tenth.Rows.Count));
        return costs;
    }

    private static async Task<(T Value, double Milliseconds)> TimeAsync<T>(Func<Task<T>> read)
    {
        var started = Stopwatch.GetTimestamp();
        var value = await read();
        return (value, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static double Time(Action apply)
    {
        var started = Stopwatch.GetTimestamp();
        apply();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
