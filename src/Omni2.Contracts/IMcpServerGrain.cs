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
    /// <summary>
    /// Applies the configured row; reconnects when anything that reaches the server changed. Does not wait
    /// for the status row: the registry applies rows one after another and must not wait on each write.
    /// </summary>
    [Alias("ApplyConfig"), ResponseTimeout(ServerLimits.ConnectResponseTimeout)]
    Task ApplyConfigAsync(McpServerConfig config);

    /// <summary>The row was deleted or disabled: close the connection, stop the reminder, clear state.</summary>
    [Alias("Retire"), ResponseTimeout(ServerLimits.ConnectResponseTimeout)]
    Task RetireAsync(RetireReason reason);

    [AlwaysInterleave, Alias("GetStatus")]
    Task<McpServerStatus> GetStatusAsync();

    [AlwaysInterleave, Alias("GetSnapshot")]
    Task<McpServerSnapshot> GetSnapshotAsync();

    /// <summary>The snapshot once every change so far is in the database, or after a few seconds anyway: what an admin who just changed the server reads.</summary>
    [AlwaysInterleave, Alias("GetWrittenSnapshot")]
    Task<McpServerSnapshot> GetWrittenSnapshotAsync();

    /// <summary>
    /// Calls a tool; interleaves with health checks and other calls, never queues behind them. Runs
    /// up to the server's call timeout; cancelling <paramref name="cancellationToken"/> (the caller
    /// went away) cancels the upstream call too.
    /// </summary>
    [AlwaysInterleave, Alias("CallTool"), ResponseTimeout(ServerLimits.CallResponseTimeout)]
    Task<ToolCallResult> CallToolAsync(ToolCallRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads a resource or gets a prompt, with a tool call's admission, timeout, passive health and error mapping.</summary>
    [AlwaysInterleave, Alias("Read"), ResponseTimeout(ServerLimits.CallResponseTimeout)]
    Task<ToolCallResult> ReadAsync(McpReadRequest request, CancellationToken cancellationToken = default);

    /// <summary>Runs a health check (or, when down, a recovery attempt) now; cancelling abandons it.</summary>
    [Alias("CheckNow"), ResponseTimeout(ServerLimits.ConnectResponseTimeout)]
    Task<McpServerStatus> CheckNowAsync(CancellationToken cancellationToken = default);

    [Alias("Disable"), ResponseTimeout(ServerLimits.ConnectResponseTimeout)]
    Task<McpServerStatus> DisableAsync(string reason);

    /// <summary>Enables the server and connects at once; cancelling abandons the connect, not the enable.</summary>
    [Alias("Enable"), ResponseTimeout(ServerLimits.ConnectResponseTimeout)]
    Task<McpServerStatus> EnableAsync(CancellationToken cancellationToken = default);

    /// <summary>Closes the circuit and retries at once; cancelling abandons the retry, not the reset.</summary>
    [Alias("ResetCircuit"), ResponseTimeout(ServerLimits.ConnectResponseTimeout)]
    Task<McpServerStatus> ResetCircuitAsync(CancellationToken cancellationToken = default);

    /// <summary>Passive health: a proxied call hit a transport failure on connection <paramref name="connection"/>.</summary>
    [Alias("ReportCallFailure")]
    Task ReportCallFailureAsync(long connection, string error);

    /// <summary>Each tool the server presents (and each pending one), with its pin.</summary>
    [AlwaysInterleave, Alias("GetToolPins")]
    Task<ToolPinsSnapshot> GetToolPinsAsync();

    /// <summary>
    /// Approves the pending definitions of <paramref name="tools"/>, all or none: when one is not
    /// pending, nothing changes and the answer names it.
    /// </summary>
    [Alias("ApproveTools")]
    Task<ToolApproval> ApproveToolsAsync(ImmutableArray<string> tools, string approvedBy);

    /// <summary>The server said its tool, prompt or resource list changed.</summary>
    [Alias("RefreshTools")]
    Task RefreshToolsAsync(long connection);
}

/// <summary>Why the registry retires a server's grain.</summary>
public enum RetireReason
{
    Deleted,
    Disabled,
}
