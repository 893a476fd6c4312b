using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Omni2.Contracts;
using Omni2.Grains.Mcp;

namespace Omni2.Grains.Servers;

/// <summary>
/// The live connection of one server's grain: opening it (connect, then the first
/// <c>tools/list</c>), noticing when it ends on its own, and closing it. Every connection has a
/// generation, so a late report about an older one is recognised and ignored.
/// </summary>
public sealed partial class ConnectionLifecycle(string name, McpHttp http, ConnectGate gate, ILoggerFactory loggerFactory, ILogger logger)
{
    // Random per activation: a report about a connection of an earlier activation (one that closed
    // when its silo shut down) can never match a connection of this one.
    private long _generation = Random.Shared.NextInt64();
    // Completes when the current connect attempt ends; calls that find a healthy server still
    // connecting (just activated, e.g. after a silo handed it over) wait for it instead of failing.
    private TaskCompletionSource _attempt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The open connection, or null while there is none.</summary>
    public McpConnection? Current { get; private set; }

    /// <summary>Whether a report about connection <paramref name="generation"/> is about the open one.</summary>
    public bool IsCurrent(long generation) => Current is not null && generation == _generation;

    /// <summary>Waits (at most <paramref name="bound"/>) for a connect attempt in progress; never throws.</summary>
    public Task WaitForAttemptAsync(TimeSpan bound) =>
        _attempt.Task.WaitAsync(bound).ContinueWith(_ => { }, TaskScheduler.Current);

    /// <summary>
    /// Closes any open connection, then opens a new one and lists its tools. Reports (through
    /// <paramref name="onClosed"/>) a session that later ends on its own, but not one closed here:
    /// that report would reactivate a grain whose silo is shutting down.
    /// </summary>
    public async Task<ImmutableArray<McpToolInfo>> OpenAsync(
        McpServerConfig config, Action<long> onToolsChanged, Func<long, string, Task> onClosed, CancellationToken cancellationToken)
    {
        await DropAsync();
        if (_attempt.Task.IsCompleted)
        {
            _attempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        var generation = ++_generation;
        McpConnection? connection = null;
        try
        {
            // One turn of the silo's connects for the session and its first list, each within its own timeout.
            var (opened, tools) = await gate.RunAsync(async () =>
            {
                // The SDK may not read further messages until a notification handler returns: the handler only signals.
                connection = await McpConnection.OpenAsync(
                    config, generation, () => { onToolsChanged(generation); return Task.CompletedTask; }, http, loggerFactory, cancellationToken);
                return (connection, await connection.ListToolsAsync(config.CheckTimeout, cancellationToken));
            }, cancellationToken);
            Current = opened;
            opened.Closed.ContinueWith(
                closed => opened.IsClosing ? Task.CompletedTask : onClosed(generation, $"connection closed: {closed.Result}"),
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap().Ignore();
            return tools;
        }
        catch
        {
            await CloseAsync(connection);
            throw;
        }
        finally
        {
            _attempt.TrySetResult();
        }
    }

    /// <summary>Takes the open connection away (calls see none from now on) and returns it, for the caller to close.</summary>
    public McpConnection? Detach()
    {
        var connection = Current;
        Current = null;
        return connection;
    }

    public Task DropAsync() => CloseAsync(Detach());

    /// <summary>Closes a connection (bounded, see <see cref="McpConnection.DisposeAsync"/>); never throws.</summary>
    public async Task CloseAsync(McpConnection? connection)
    {
        if (connection is null)
        {
            return;
        }
        try
        {
            await connection.DisposeAsync();
        }
        catch (Exception ex)
        {
            LogDisposeFailed(name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP server {Server}: closing the connection failed: {Error}")]
    private partial void LogDisposeFailed(string server, string error);
}
