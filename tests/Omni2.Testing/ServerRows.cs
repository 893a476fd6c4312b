using Npgsql;

namespace Omni2.Testing;

/// <summary>Writes and reads <c>omni2.mcp_servers</c> and <c>omni2.mcp_health_log</c> as the admin API and an operator would.</summary>
public static class ServerRows
{
    public static Task InsertHttpAsync(this PostgresDatabase db, string name, Uri url, string transport = "streamable_http", int intervalSeconds = 1, int checkTimeoutSeconds = 2, int callTimeoutSeconds = 5, string headers = "{}") =>
        db.ExecuteAsync("""
            INSERT INTO omni2.mcp_servers (name, transport, url, headers, health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds, call_timeout_seconds)
            VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6, $7)
            """, name, transport, url.ToString(), headers, intervalSeconds, checkTimeoutSeconds, callTimeoutSeconds);

    public static Task InsertStdioAsync(this PostgresDatabase db, string name, string command, string[] args, int intervalSeconds = 1, string env = "{}") =>
        db.ExecuteAsync("""
            INSERT INTO omni2.mcp_servers (name, transport, command, args, env, health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds)
            VALUES ($1, 'stdio', $2, $3::jsonb, $5::jsonb, $4, 5, 20)
            """, name, command, System.Text.Json.JsonSerializer.Serialize(args), intervalSeconds, env);

    /// <summary>Fleet servers 0 to <paramref name="count"/> - 1 as rows named <c>fleet-00000</c> on, in one statement.</summary>
    public static Task InsertFleetAsync(this PostgresDatabase db, FleetProcess fleet, int count, int intervalSeconds) =>
        db.ExecuteAsync("""
            INSERT INTO omni2.mcp_servers (name, transport, url, health_check_interval_seconds, check_timeout_seconds, connect_timeout_seconds)
            SELECT format('fleet-%s', lpad(i::text, 5, '0')), 'streamable_http', $1 || i || '/mcp', $2, 5, 5
            FROM generate_series(0, $3 - 1) AS i
            """, new Uri(fleet.BaseAddress, "/servers/").ToString(), intervalSeconds, count);

    /// <summary>The server's health-log events, oldest first.</summary>
    public static Task<List<LogRow>> HealthLogAsync(this PostgresDatabase db, string name) =>
        db.QueryAsync(
            "SELECT event_type, old_status, new_status, reason FROM omni2.mcp_health_log WHERE server_name = $1 ORDER BY id",
            r => new LogRow(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)),
            name);

    /// <summary>How many Orleans reminders the server's grain has in PostgreSQL.</summary>
    public static async Task<int> RemindersOfAsync(this PostgresDatabase db, string name) =>
        (int)await db.ScalarAsync<long>("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || $1", name);

    public static async Task<StatusRow?> StatusRowAsync(this PostgresDatabase db, string name) =>
        (await db.QueryAsync(
            "SELECT health_status, circuit_state, consecutive_failures, tool_count, last_error FROM omni2.mcp_servers WHERE name = $1",
            r => new StatusRow(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4)),
            name)).SingleOrDefault();
}

public sealed record LogRow(string EventType, string OldStatus, string NewStatus, string? Reason);

public sealed record StatusRow(string HealthStatus, string CircuitState, int ConsecutiveFailures, int ToolCount, string? LastError);
