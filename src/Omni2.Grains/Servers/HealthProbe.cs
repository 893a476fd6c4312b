using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Omni2.Contracts;
using Omni2.Grains.Health;
using Omni2.Grains.Mcp;
using Omni2.Grains.Pinning;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Servers;

/// <summary>
/// What one health check or connect of a server does: a check on the open connection, or a connect
/// (the first, a recovery attempt, a half-open probe), each measured, its result told to the
/// <see cref="CircuitBreaker"/> and its decision to the <see cref="ServerStatusWriter"/>. Every tool list it
/// gets is judged by the <see cref="ToolPinGuard"/> before it is served. The grain decides when; this class does it.
/// </summary>
public sealed partial class HealthProbe(
    string name, CircuitBreaker breaker, ConnectionLifecycle connection, ServerStatusWriter writer, ToolPinGuard pins, Omni2Metrics metrics, ILogger logger)
{
    /// <summary>Checks the open connection; a failure closes it and counts against the breaker.</summary>
    public async Task CheckAsync(McpConnection open, McpServerConfig config)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var tools = await open.CheckAsync(config.CheckTimeout);
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: true);
            writer.Checked();
            // A check that listed the tools also notices a changed list (stateless servers never announce one).
            if (tools is { } listed)
            {
                writer.ToolsChanged(pins.Review(listed, config));
                await pins.SaveAsync();
            }
        }
        catch (Exception ex)
        {
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: false);
            LogFailed(name, "check", ex.Message);
            await FailAsync(ex is TimeoutException ? $"health check timed out after {config.CheckTimeoutSeconds} s" : UpstreamError.Describe(ex));
        }
    }

    /// <summary>
    /// Connects and lists tools. The connection reports tool changes and its own end to
    /// <paramref name="self"/>. A cancellation by the caller (an admin who went away) gives no verdict.
    /// </summary>
    public async Task ConnectAsync(McpServerConfig config, IMcpServerGrain self, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var tools = await connection.OpenAsync(
                config,
                generation => self.RefreshToolsAsync(generation).Ignore(),
                (generation, reason) => self.ReportCallFailureAsync(generation, reason),
                cancellationToken);
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: true);
            writer.Connected(breaker.RecordSuccess(), pins.Review(tools, config));
            await pins.SaveAsync();
            await RefreshListingsAsync(connection.Current!, config);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogAttemptCancelled(name);
        }
        catch (Exception ex)
        {
            metrics.HealthCheck(Stopwatch.GetElapsedTime(started), healthy: false);
            LogFailed(name, "connect", ex.Message);
            var error = UpstreamError.Describe(ex);
            writer.Failed(error, breaker.RecordFailure(error));
        }
    }

    /// <summary>The server said its tool, prompt or resource list changed: list them again (a failure is left to the next check).</summary>
    public async Task RefreshToolsAsync(McpConnection open, McpServerConfig config)
    {
        try
        {
            writer.ToolsChanged(pins.Review(await open.ListToolsAsync(config.CheckTimeout), config));
            await pins.SaveAsync();
        }
        catch (Exception ex)
        {
            LogToolRefreshFailed(name, ex.Message);
        }
        await RefreshListingsAsync(open, config);
    }

    /// <summary>
    /// Lists prompts, resources and templates. A failure keeps the last lists and leaves the server healthy:
    /// its tools still work, and the next connect or list change tries again.
    /// </summary>
    private async Task RefreshListingsAsync(McpConnection open, McpServerConfig config)
    {
        try
        {
            writer.ListingsChanged(await open.ListListingsAsync(config.CheckTimeout));
        }
        catch (Exception ex)
        {
            LogToolRefreshFailed(name, ex.Message);
        }
    }

    /// <summary>
    /// The live connection failed: the status changes first (in this turn, so an interleaved call
    /// never sees a healthy server without a connection), then the connection is closed.
    /// </summary>
    public async Task FailAsync(string error)
    {
        var failed = connection.Detach();
        writer.Failed(error, breaker.RecordFailure(error));
        await connection.CloseAsync(failed);
    }

    /// <summary>The whole exception text, which the status (see <see cref="UpstreamError"/>) never carries.</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP server {Server}: {Step} failed: {Error}")]
    private partial void LogFailed(string server, string step, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: connect abandoned, its caller cancelled")]
    private partial void LogAttemptCancelled(string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: refreshing its lists failed: {Error}")]
    private partial void LogToolRefreshFailed(string server, string error);
}
