using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Health;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Servers;

/// <summary>
/// What stands between a tool call (or a resource or prompt read) and its server: a connection being
/// opened is waited for, an unhealthy server or one at its <see cref="McpServerConfig.MaxConcurrentCalls"/>
/// is answered at once, and a failure that is the server's fault is reported back to the grain as passive
/// health. Calls interleave on the grain's one thread, so the count of calls in flight needs no lock.
/// </summary>
public sealed class ToolCallGate(string name, CircuitBreaker breaker, ConnectionLifecycle connection, Omni2Metrics metrics, Action<long, string> reportFault)
{
    private int _inFlight;

    public async Task<ToolCallResult> CallAsync(McpServerConfig? config, ImmutableArray<McpToolInfo> tools, ToolCallRequest request, CancellationToken cancellationToken)
    {
        var result = await AdmitAsync(config, (open, admitted) => ToolCallMapper.CallAsync(open, name, admitted, tools, request, cancellationToken));
        metrics.ToolCall(result.DurationMs, result.Outcome);
        return result;
    }

    /// <summary>A <c>resources/read</c> or <c>prompts/get</c>, admitted like a tool call.</summary>
    public Task<ToolCallResult> ReadAsync(McpServerConfig? config, McpServerListings listings, McpReadRequest request, CancellationToken cancellationToken) =>
        AdmitAsync(config, (open, admitted) => McpReadMapper.ReadAsync(open, name, admitted, listings, request, cancellationToken));

    private async Task<ToolCallResult> AdmitAsync(
        McpServerConfig? config, Func<Mcp.McpConnection, McpServerConfig, Task<(ToolCallResult Result, bool ServerFault)>> call)
    {
        var status = breaker.State.Status;
        if (connection.Current is null && status is HealthStatus.Healthy or HealthStatus.Unknown && config is not null)
        {
            await connection.WaitForAttemptAsync(config.ConnectTimeout + config.CheckTimeout);
            status = breaker.State.Status;
        }
        var open = connection.Current;
        if (status is not HealthStatus.Healthy || open is null || config is null)
        {
            return ToolCallMapper.Unavailable(name, status, breaker.RecoveryEta);
        }
        if (_inFlight >= config.MaxConcurrentCalls)
        {
            return ToolCallMapper.Busy(name, config.MaxConcurrentCalls);
        }
        _inFlight++;
        ToolCallResult result;
        bool serverFault;
        try
        {
            (result, serverFault) = await call(open, config);
        }
        finally
        {
            _inFlight--;
        }
        if (serverFault)
        {
            reportFault(open.Generation, result.Detail ?? "call failed");
        }
        return result;
    }
}
