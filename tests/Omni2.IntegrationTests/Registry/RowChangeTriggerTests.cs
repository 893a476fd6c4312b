using System.Collections.Concurrent;
using Npgsql;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Registry;

/// <summary>
/// The trigger of <c>sql/012_omni2_mcp_servers_notify.sql</c> on a fresh database: a configuration change
/// notifies the server's name, the grains' status writes notify nothing.
/// </summary>
public sealed class RowChangeTriggerTests : IAsyncLifetime
{
    // Written by the grains (status, tools, the live last check) or never changed: no reload needed.
    private static readonly string[] NotConfiguration =
    [
        "id", "created_at", "updated_at", "health_status", "circuit_state", "consecutive_failures", "last_recovery_attempt",
        "total_downtime_seconds", "last_check_at", "last_error", "tool_count", "next_attempt_at", "status_version", "tools", "listings", "catalog_version", "lists_version",
    ];

    private PostgresDatabase _database = null!;
    private NpgsqlConnection _listener = null!;
    private readonly ConcurrentQueue<string> _notified = new();

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _listener = new NpgsqlConnection(_database.ConnectionString);
        await _listener.OpenAsync();
        _listener.Notification += (_, e) => _notified.Enqueue(e.Payload);
        await using var listen = new NpgsqlCommand("LISTEN omni2_mcp_servers", _listener);
        await listen.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>Every notification that has arrived by the time a probe sent after them does.</summary>
    private async Task<List<string>> NotifiedAsync()
    {
        await _database.ExecuteAsync("SELECT pg_notify('omni2_mcp_servers', 'probe')");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_notified.Contains("probe"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the probe's notification did not arrive within 30 s");
            await _listener.WaitAsync(TimeSpan.FromSeconds(1));
        }
        var names = new List<string>();
        while (_notified.TryDequeue(out var name) && name != "probe")
        {
            names.Add(name);
        }
        return names;
    }

    [Fact]
    public async Task Status_writes_notify_nothing_and_a_configuration_change_notifies_the_name_once()
    {
        await _database.ExecuteAsync("INSERT INTO omni2.mcp_servers (name, transport, url) VALUES ('trig', 'streamable_http', 'http://127.0.0.1:9/mcp')");
        Assert.Equal(["trig"], await NotifiedAsync());

        await _database.ExecuteAsync("""
            UPDATE omni2.mcp_servers SET health_status = 'healthy', last_check_at = now(), tool_count = 1,
                tools = '[{"name":"echo"}]', status_version = status_version + 1, updated_at = now() WHERE name = 'trig'
            """);
        await _database.ExecuteAsync("UPDATE omni2.mcp_servers SET call_timeout_seconds = call_timeout_seconds WHERE name = 'trig'");
        Assert.Empty(await NotifiedAsync());

        await _database.ExecuteAsync("UPDATE omni2.mcp_servers SET call_timeout_seconds = 61, last_check_at = now() WHERE name = 'trig'");
        Assert.Equal(["trig"], await NotifiedAsync());
    }

    [Fact]
    public async Task Every_configuration_column_is_one_the_update_trigger_watches_and_compares()
    {
        var columns = await _database.QueryAsync(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'omni2.mcp_servers'::regclass AND attnum > 0 AND NOT attisdropped",
            reader => reader.GetString(0));
        var watched = await _database.QueryAsync("""
            SELECT a.attname FROM pg_trigger t JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr)
            WHERE t.tgname = 'mcp_servers_notify_update'
            """, reader => reader.GetString(0));
        var definition = await _database.ScalarAsync<string>(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'mcp_servers_notify_update'");

        var configuration = columns.Except(NotConfiguration).Order().ToList();
        Assert.Equal(configuration, watched.Order().ToList());
        Assert.All(configuration, column => Assert.Contains($"old.{column}", definition, StringComparison.OrdinalIgnoreCase));
        Assert.All(configuration, column => Assert.Contains($"new.{column}", definition, StringComparison.OrdinalIgnoreCase));
    }
}
