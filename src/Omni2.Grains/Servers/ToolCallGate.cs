using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Health;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Servers;

/// <summary>
/// What stands between a tool call and its server: a connection being opened is waited for, an
/// unhealthy server or one at its <see cref="McpServerConfig.MaxConcurrentCalls"/> is answered at
/// once, and a failure that is the server's fault is reported back to the grain as passive health.
/// Calls interleave on the grain's one thread, so the count of calls in flight needs no lock.
/// </summary>
public sealed class ToolCallGate(string name, CircuitBreaker breaker, ConnectionLifecycle connection, Omni2Metrics metrics, Action<long, string> reportFault)
{
    private int _inFlight;

    public async Task<ToolCallResult> CallAsync(McpServerConfig? config, ImmutableArray<McpToolInfo> tools, ToolCallRequest request, CancellationToken cancellationToken)
    {
        var status = breaker.State.Status;
        if (connection.Current is null && status is HealthStatus.Healthy or HealthStatus.Unknown && config is not null)
        {
            await connection.WaitForAttemptAsync(config.ConnectTimeout + config.CheckTimeout);
            status = breaker.State.Status;
        }
        var open = connection.Current;
        ToolCallResult result;
        if (status is not HealthStatus.Healthy || open is null || config is null)
        {
            result = ToolCallMapper.Unavailable(name, status, breaker.RecoveryEta);
        }
        else if (_inFlight >= config.MaxConcurrentCalls)
        {
            result = ToolCallMapper.Busy(name, config.MaxConcurrentCalls);
        }
        else
        {
            _inFlight++;
            bool serverFault;
            try
            {
                (result, serverFault) = await ToolCallMapper.CallAsync(open, name, config, tools, request, cancellationToken);
            }
            finally
            {
                _inFlight--;
            }
            if (serverFault)
            {
                reportFault(open.Generation, result.Detail ?? "call failed");
            }
        }
        metrics.ToolCall(result.DurationMs, result.Outcome);
        return result;
    }
}
