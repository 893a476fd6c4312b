using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Omni2.Contracts;

/// <summary>
/// The single owner of one registered MCP server, keyed by its name: keeps the live connection,
/// checks health on a reminder, recovers with a circuit breaker on a timer, caches tools, proxies calls.
/// </summary>
[Alias("omni2.IMcpServerGrain")]
public interface IMcpServerGrain : IGrainWithStringKey
{
    /// <summary>Applies the configured row; reconnects when anything that reaches the server changed.</summary>
    [Alias("ApplyConfig")]
    Task ApplyConfigAsync(McpServerConfig config);

    /// <summary>The row was deleted or disabled: close the connection, stop the reminder, clear state.</summary>
    [Alias("Retire")]
    Task RetireAsync(RetireReason reason);

    [AlwaysInterleave, Alias("GetStatus")]
    Task<McpServerStatus> GetStatusAsync();

    [AlwaysInterleave, Alias("GetSnapshot")]
    Task<McpServerSnapshot> GetSnapshotAsync();

    /// <summary>Calls a tool; interleaves with health checks and other calls, never queues behind them.</summary>
    [AlwaysInterleave, Alias("CallTool")]
    Task<ToolCallResult> CallToolAsync(ToolCallRequest request);

    /// <summary>Runs a health check (or, when down, a recovery attempt) now.</summary>
    [Alias("CheckNow")]
    Task<McpServerStatus> CheckNowAsync();

    [Alias("Disable")]
    Task<McpServerStatus> DisableAsync(string reason);

    [Alias("Enable")]
    Task<McpServerStatus> EnableAsync();

    /// <summary>Closes the circuit and retries at once.</summary>
    [Alias("ResetCircuit")]
    Task<McpServerStatus> ResetCircuitAsync();

    /// <summary>Passive health: a proxied call hit a transport failure on connection <paramref name="connection"/>.</summary>
    [Alias("ReportCallFailure")]
    Task ReportCallFailureAsync(long connection, string error);

    /// <summary>The server said its tool list changed.</summary>
    [Alias("RefreshTools")]
    Task RefreshToolsAsync(long connection);
}

/// <summary>Why the registry retires a server's grain.</summary>
public enum RetireReason
{
    Deleted,
    Disabled,
}
