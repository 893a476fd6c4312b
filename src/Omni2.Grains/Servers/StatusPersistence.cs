using Microsoft.Extensions.Logging;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Orleans.Storage;

namespace Omni2.Grains.Servers;

/// <summary>
/// The durable half of a server's write path, off the grain's turn: the grain state (whose
/// <see cref="McpServerState.PendingLog"/> is the outbox), then the row's status columns with one
/// health-log row per transition. A failed write is retried with backoff until the database takes
/// it; it never fails the caller and never changes the server's health. The loop runs on the
/// grain's scheduler, between the grain's turns.
/// </summary>
public sealed partial class StatusPersistence(
    string name,
    IPersistentState<McpServerState> state,
    Func<McpServerStatus> status,
    WriterServices services,
    ILogger logger)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);
    private Task _writing = Task.CompletedTask;
    private bool _dirty;
    private bool _stopped;

    /// <summary>Something changed: starts the write loop unless it runs (it then writes once more).</summary>
    public void RequestWrite()
    {
        _dirty = true;
        if (_writing.IsCompleted && !_stopped)
        {
            _writing = WriteLoopAsync();
        }
    }

    /// <summary>Waits, at most <paramref name="bound"/>, until every change so far is in the database; false if it is not.</summary>
    public async Task<bool> WrittenWithinAsync(TimeSpan bound)
    {
        try
        {
            await _writing.WaitAsync(bound);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>On deactivation: lets a write in flight (or one last attempt) finish, within <paramref name="bound"/>.</summary>
    public async Task FlushAsync(TimeSpan bound)
    {
        if (_dirty && _writing.IsCompleted)
        {
            RequestWrite();
        }
        _stopped = true;
        if (!await WrittenWithinAsync(bound))
        {
            LogAbandoned(name, state.State.PendingLog.Count);
        }
    }

    /// <summary>The server was deleted: no more writes; the one in flight ends, then the grain state goes.</summary>
    public async Task ClearAsync()
    {
        _stopped = true;
        await _writing;
        try
        {
            await state.ClearStateAsync();
        }
        catch (Exception ex)
        {
            LogClearFailed(ex, name);
        }
    }

    private async Task WriteLoopAsync()
    {
        var retry = FirstRetry;
        var failing = false;
        while (_dirty)
        {
            _dirty = false;
            try
            {
                await WriteOnceAsync();
                if (failing)
                {
                    LogWriteRecovered(name);
                }
                failing = false;
                retry = FirstRetry;
            }
            catch (Exception ex)
            {
                _dirty = true;
                if (_stopped)
                {
                    return;
                }
                if (!failing)
                {
                    LogWriteFailed(name, state.State.PendingLog.Count, ex.Message);
                }
                failing = true;
                services.Metrics.StatusWriteRetried();
                await Task.Delay(retry, services.Time);
                retry = retry * 2 > MaxRetry ? MaxRetry : retry * 2;
            }
        }
    }

    private async Task WriteOnceAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // An earlier write reached the database although it reported a failure: take the new
            // ETag, keep this activation's state (it is the newest), and write again.
            var current = state.State;
            await state.ReadStateAsync();
            state.State = current;
            await state.WriteStateAsync();
        }
        var entries = state.State.PendingLog.ToList();
        await services.Projection.WriteAsync(status(), state.State.Tools, state.State.Listings, entries);
        // Cleared in memory only: persisted with the next write. A replay after a crash is harmless,
        // the health log skips event ids it already has. Rows queued during the write stay.
        state.State.PendingLog.RemoveRange(0, entries.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: writing status to the database failed; {Pending} health-log rows stay queued and are retried with backoff: {Error}")]
    private partial void LogWriteFailed(string server, int pending, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server}: status written to the database again")]
    private partial void LogWriteRecovered(string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: deactivated with {Pending} health-log rows not yet written")]
    private partial void LogAbandoned(string server, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: clearing its grain state failed")]
    private partial void LogClearFailed(Exception exception, string server);
}
